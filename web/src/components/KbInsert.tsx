import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../api/client.ts';
import { useKbSearch, type KbArticle } from '../api/kb-queries.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ErrorMessage, Notice } from './ErrorMessage.tsx';
import { htmlToText, textToHtml } from './html.ts';

/** An agent's knowledge-base search in the composer: an article's link or text goes into the reply. */
export function KbInsert({ onInsert }: { onInsert: (text: string) => void }) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const hits = useKbSearch(q, true);
  const insertText = useMutation({ mutationFn: (id: string) => api<KbArticle>('GET', `/api/v1/kb/articles/${id}`) });
  return (
    <div className="kb-insert">
      <label>
        <span>{t('kb.insertSearch')}</span>
        <input type="search" value={q} maxLength={200} onChange={(e) => setQ(e.target.value)} />
      </label>
      {hits.data && (
        <ul className="kb-list">
          {hits.data.items.map((a) => (
            <li key={a.id}>
              <span>{a.title}</span>{' '}
              <button type="button" className="link" onClick={() => onInsert(`${a.title}: ${window.location.origin}/kb/${a.slug}`)}>
                {t('kb.insertLink')}
              </button>{' '}
              <button type="button" className="link" onClick={() => insertText.mutate(a.id, { onSuccess: (article) => onInsert(htmlToText(article.bodyHtml)) })}>
                {t('kb.insertText')}
              </button>
            </li>
          ))}
        </ul>
      )}
      {insertText.isError && <ErrorMessage error={insertText.error} />}
    </div>
  );
}

/** "Save as draft article": the text being written becomes a draft article of the agent's tenant, in one step. */
export function SaveAsArticle({ title, text }: { title: string; text: string }) {
  const { t } = useI18n();
  const save = useMutation({ mutationFn: () => api<KbArticle>('POST', '/api/v1/kb/articles', { title: title.slice(0, 300), body: textToHtml(text), visibility: 'customers' }) });
  return (
    <>
      <button type="button" className="button secondary" disabled={!text.trim() || save.isPending} onClick={() => save.mutate()}>
        {t('kb.saveAsArticle')}
      </button>
      {save.isSuccess && <Notice>{t('kb.savedAsArticle')}</Notice>}
      {save.isError && <ErrorMessage error={save.error} />}
    </>
  );
}
