import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client.ts';
import type { KbArticle } from '../../api/kb-queries.ts';
import type { Me } from '../../api/types.ts';
import { can } from '../../app/session.ts';
import { ErrorMessage, Notice } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { RichTextEditor } from '../../components/RichTextEditor.tsx';
import { useI18n } from '../../i18n/i18n.tsx';

type Editable = KbArticle & { version: number; keywords: string };
type Version = { version: number; title: string; editedBy: string | null; createdAt: string };
type Diff = { body: { op: 'same' | 'added' | 'removed'; text: string }[]; title: { op: string; text: string }[] };
type Draft = { title: string; summary: string; keywords: string; body: string; visibility: string; status: string };

const EMPTY: Draft = { title: '', summary: '', keywords: '', body: '', visibility: 'customers', status: 'draft' };

/**
 * The editors' screen: every article the role reads, in every state; write, publish (`kb.publish`),
 * and read the history with what each version changed. Public articles are read-only to roles that
 * do not write public objects: the server says so when they try.
 */
export function KbEditorPage({ me }: { me: Me }) {
  const { t, formatDate } = useI18n();
  const client = useQueryClient();
  const articles = useQuery({ queryKey: ['scoped', 'kb-editor'], queryFn: () => api<{ items: Editable[] }>('GET', '/api/v1/kb/articles?limit=500') });
  const [chosen, setChosen] = useState<Editable | null>(null);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const versions = useQuery({ queryKey: ['scoped', 'kb-versions', chosen?.id, chosen?.version], queryFn: () => api<{ items: Version[] }>('GET', `/api/v1/kb/articles/${chosen!.id}/versions`), enabled: !!chosen });
  const [diffOf, setDiffOf] = useState<number | null>(null);
  const diff = useQuery({ queryKey: ['scoped', 'kb-diff', chosen?.id, diffOf], queryFn: () => api<Diff>('GET', `/api/v1/kb/articles/${chosen!.id}/diff?from=${diffOf! - 1}&to=${diffOf}`), enabled: !!chosen && !!diffOf && diffOf > 1 });
  const save = useMutation({
    mutationFn: (d: Draft) => {
      const body = { title: d.title, summary: d.summary, keywords: d.keywords, body: d.body, visibility: d.visibility, status: d.status };
      return chosen ? api<Editable>('PATCH', `/api/v1/kb/articles/${chosen.id}`, { ...body, version: chosen.version }) : api<Editable>('POST', '/api/v1/kb/articles', body);
    },
    onSuccess: (saved) => {
      setChosen(saved);
      void client.invalidateQueries({ queryKey: ['scoped', 'kb-editor'] });
    },
  });
  const open = (a: Editable | null) => {
    setChosen(a);
    setDiffOf(null);
    save.reset();
    setDraft(a ? { title: a.title, summary: a.summary, keywords: a.keywords, body: a.bodyHtml, visibility: a.visibility, status: a.status } : EMPTY);
  };
  const set = (name: keyof Draft) => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(draft);
  };
  return (
    <div className="kb-editor">
      <div className="page-head">
        <h1>{t('kb.editor')}</h1>
        <button type="button" className="button" onClick={() => open(null)}>
          {t('kb.newArticle')}
        </button>
      </div>
      {articles.isError && <ErrorMessage error={articles.error} />}
      <ul className="kb-list">
        {articles.data?.items.map((a) => (
          <li key={a.id}>
            <button type="button" className="link" aria-pressed={chosen?.id === a.id} onClick={() => open(a)}>
              {a.title}
            </button>{' '}
            <span className="muted">
              {t(`kb.status.${a.status as 'draft'}`)} · {a.tenant ?? t('kb.public')}
            </span>
          </li>
        ))}
      </ul>
      <form className="card form" onSubmit={submit} aria-label={t('kb.editor')}>
        <Field label={t('kb.field.title')}>
          <input name="title" required maxLength={300} value={draft.title} onChange={set('title')} />
        </Field>
        <Field label={t('kb.field.summary')}>
          <input name="summary" maxLength={1000} value={draft.summary} onChange={set('summary')} />
        </Field>
        <Field label={t('kb.field.keywords')}>
          <input name="keywords" maxLength={1000} value={draft.keywords} onChange={set('keywords')} />
        </Field>
        <RichTextEditor label={t('kb.field.body')} value={draft.body} onChange={(body) => setDraft({ ...draft, body })} />
        <Field label={t('kb.field.visibility')}>
          <select name="visibility" value={draft.visibility} onChange={set('visibility')}>
            {(['public', 'customers', 'agents'] as const).map((v) => (
              <option key={v} value={v}>
                {t(`kb.visibility.${v}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('kb.field.status')}>
          <select name="status" value={draft.status} onChange={set('status')}>
            {(['draft', 'published', 'archived'] as const).map((s) => (
              <option key={s} value={s} disabled={s !== 'draft' && !can(me, 'kb.publish')}>
                {t(`kb.status.${s}`)}
              </option>
            ))}
          </select>
        </Field>
        {save.isError && <ErrorMessage error={save.error} />}
        {save.isSuccess && <Notice>{t('kb.saved')}</Notice>}
        <button type="submit" className="button" disabled={save.isPending}>
          {t('kb.save')}
        </button>
      </form>
      {chosen && versions.data && (
        <section className="card">
          <h2>{t('kb.versions')}</h2>
          <ul className="kb-list">
            {versions.data.items.map((v) => (
              <li key={v.version}>
                {t('kb.version', { n: v.version })} · {formatDate(v.createdAt)}{' '}
                {v.version > 1 && (
                  <button type="button" className="link" onClick={() => setDiffOf(v.version)}>
                    {t('kb.showChanges')}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {diff.isError && <ErrorMessage error={diff.error} />}
          {diff.data && (
            <pre className="kb-diff" aria-label={t('kb.changes')}>
              {diff.data.body.map((p, i) =>
                p.op === 'added' ? <ins key={i}>{p.text}</ins> : p.op === 'removed' ? <del key={i}>{p.text}</del> : <span key={i}>{p.text}</span>,
              )}
            </pre>
          )}
        </section>
      )}
    </div>
  );
}
