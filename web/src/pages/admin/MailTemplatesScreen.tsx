import { useState, type FormEvent } from 'react';
import { useMailTemplateActions, useMailTemplatePreview, useMailTemplates } from '../../api/admin-queries.ts';
import type { MailTemplate } from '../../api/admin-types.ts';
import type { Me } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { QueryView } from '../../components/QueryView.tsx';
import { Field } from '../../components/Field.tsx';
import { MailHtml } from '../../components/MailHtml.tsx';
import type { MessageKey } from '../../i18n/messages.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { FormFooter, TenantField, useTenantChoice } from './AdminParts.tsx';

const KIND_TITLES: Record<MailTemplate['kind'], MessageKey> = {
  'auto-reply': 'templates.kind.auto-reply',
  'agent-reply': 'templates.kind.agent-reply',
  assignment: 'templates.kind.assignment',
  overdue: 'templates.kind.overdue',
  'overdue-digest': 'templates.kind.overdue-digest',
  resolved: 'templates.kind.resolved',
};

type Actions = ReturnType<typeof useMailTemplateActions>;
type PreviewMutation = ReturnType<typeof useMailTemplatePreview>;

/** The mail as it would go out, with sample values; nothing of it runs (MailHtml). */
function Preview({ preview }: { preview: PreviewMutation }) {
  const { t } = useI18n();
  if (preview.isError) return <ErrorMessage error={preview.error} />;
  if (!preview.data) return null;
  return (
    <figure className="mail-preview">
      <figcaption>
        <strong>{t('templates.subject')}:</strong> {preview.data.subject}
      </figcaption>
      <MailHtml label={t('templates.preview')} html={preview.data.html} />
    </figure>
  );
}

/** One template edited in place: subject, body, its placeholders, preview, save and reset to the default. */
function EditTemplate({ template, actions, tenant, onDone }: { template: MailTemplate; actions: Actions; tenant: string | undefined; onDone: () => void }) {
  const { t } = useI18n();
  const preview = useMailTemplatePreview(tenant);
  const [subject, setSubject] = useState(template.subject);
  const [body, setBody] = useState(template.body);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    actions.save.mutate({ kind: template.kind, subject, body }, { onSuccess: onDone });
  };
  return (
    <form className="form edit-row" onSubmit={submit} aria-label={t('admin.editing', { name: t(KIND_TITLES[template.kind]) })}>
      <Field label={t('templates.subject')}>
        <input required maxLength={300} value={subject} onChange={(e) => setSubject(e.target.value)} />
      </Field>
      <Field label={t('templates.body')} hint={t('templates.placeholders', { list: template.placeholders.join(' ') })}>
        <textarea required rows={8} maxLength={20000} value={body} onChange={(e) => setBody(e.target.value)} />
      </Field>
      {!template.isDefault && (
        <details>
          <summary>{t('templates.defaultText')}</summary>
          <p className="mono small">{template.defaultSubject}</p>
          <pre className="mono small">{template.defaultBody}</pre>
        </details>
      )}
      <div className="actions">
        <FormFooter mutation={actions.save} label={t('actions.save')} done={t('admin.saved')} />
        <button type="button" className="button secondary" disabled={preview.isPending} onClick={() => preview.mutate({ kind: template.kind, subject, body })}>
          {t('templates.preview')}
        </button>
        <button type="button" className="button secondary" onClick={onDone}>
          {t('actions.cancel')}
        </button>
      </div>
      <Preview preview={preview} />
    </form>
  );
}

/** One template in the list: its kind, default or own, and what the administrator may do with it. */
function TemplateRow({ template, actions, tenant, editing, setEditing }: { template: MailTemplate; actions: Actions; tenant: string | undefined; editing: boolean; setEditing: (on: boolean) => void }) {
  const { t } = useI18n();
  const title = t(KIND_TITLES[template.kind]);
  return (
    <li className={editing ? 'editing' : undefined}>
      <span>
        <strong>{title}</strong> <span className="muted small">{template.subject}</span>
      </span>
      <span className={template.isDefault ? 'tag tag-public' : 'tag'}>{t(template.isDefault ? 'templates.default' : 'templates.own')}</span>
      <button type="button" className="button secondary small" aria-label={t('admin.editing', { name: title })} onClick={() => setEditing(!editing)}>
        {t('actions.edit')}
      </button>
      {!template.isDefault && (
        <button type="button" className="button danger small" disabled={actions.reset.isPending} onClick={() => window.confirm(t('templates.resetConfirm', { name: title })) && actions.reset.mutate(template.kind)}>
          {t('templates.reset', { name: title })}
        </button>
      )}
      {editing && <EditTemplate key={template.updatedAt} template={template} actions={actions} tenant={tenant} onDone={() => setEditing(false)} />}
    </li>
  );
}

/** The mail this help desk sends: each kind's template, the public default or the tenant's own. */
export function MailTemplatesScreen({ me }: { me: Me }) {
  const { t } = useI18n();
  const choice = useTenantChoice(me);
  const tenant = choice.several ? choice.tenant || undefined : undefined;
  const templates = useMailTemplates(tenant, !choice.several || tenant !== undefined);
  const actions = useMailTemplateActions(tenant);
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <section>
      <h2>{t('templates.title')}</h2>
      <p className="muted small">{t('templates.intro')}</p>
      <TenantField choice={choice} empty={t('newTicket.chooseTenant')} required />
      {choice.several && !tenant ? null : (
        <QueryView query={templates}>
          {(data) => (
            <ul className="config-list">
              {data.map((template) => (
                <TemplateRow key={template.kind} template={template} actions={actions} tenant={tenant} editing={editing === template.kind} setEditing={(on) => setEditing(on ? template.kind : null)} />
              ))}
            </ul>
          )}
        </QueryView>
      )}
      {actions.reset.isError && <ErrorMessage error={actions.reset.error} />}
    </section>
  );
}
