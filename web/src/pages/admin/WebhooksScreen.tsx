import { useState, type FormEvent } from 'react';
import { useWebhookActions, useWebhookDeliveries, useWebhooks } from '../../api/admin-queries.ts';
import type { Webhook } from '../../api/admin-types.ts';
import type { Me } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { QueryView } from '../../components/QueryView.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { FormFooter, TenantField, TenantTag, useTenantChoice } from './AdminParts.tsx';

const EVENTS = ['ticket.created', 'ticket.updated', 'ticket.status_changed', 'thread.reply_added', 'thread.note_added', 'contact.created', 'kb.article_published'] as const;

/** The delivery log of one subscription, with a button to send one again. */
function Deliveries({ hook }: { hook: Webhook }) {
  const { t, formatDate } = useI18n();
  const deliveries = useWebhookDeliveries(hook.id);
  const { redeliver } = useWebhookActions();
  return (
    <QueryView query={deliveries} isEmpty={(data) => data.length === 0} empty={<p className="muted small">{t('webhooks.noDeliveries')}</p>}>
      {(data) => (
        <table className="small">
          <tbody>
            {data.slice(0, 20).map((d) => (
              <tr key={d.id}>
                <td>{formatDate(d.createdAt)}</td>
                <td>{d.event}</td>
                <td>{t(`webhooks.state.${d.state}`)}</td>
                <td>{d.attempts}</td>
                <td>{d.lastError ?? d.lastStatus ?? ''}</td>
                <td>
                  <button type="button" className="button secondary small" disabled={redeliver.isPending} onClick={() => redeliver.mutate({ id: hook.id, deliveryId: d.id })}>
                    {t('webhooks.redeliver')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </QueryView>
  );
}

/** Webhooks: URLs this help desk's events are sent to, signed (Standard Webhooks), with their delivery log. */
export function WebhooksScreen({ me }: { me: Me }) {
  const { t } = useI18n();
  const webhooks = useWebhooks();
  const { create, update, rotate, remove } = useWebhookActions();
  const choice = useTenantChoice(me);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['ticket.created']);
  // The service provider may subscribe once to every tenant its role reads (decision 0164).
  const [allReadable, setAllReadable] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  // The secret is shown once, from the answer that created or rotated it.
  const secret = create.data?.secret ?? rotate.data?.secret;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ url: url.trim(), events, ...(description.trim() ? { description: description.trim() } : {}), ...(allReadable ? { tenantScope: 'all-readable' as const } : choice.several && choice.tenant ? { tenant: choice.tenant } : {}) }, { onSuccess: () => setUrl('') });
  };

  return (
    <section>
      <h2>{t('webhooks.title')}</h2>
      <p className="muted small">{t('webhooks.intro')}</p>
      {secret && (
        <div role="status" className="alert">
          {t('webhooks.secretOnce')} <code>{secret}</code>
        </div>
      )}
      <QueryView query={webhooks} isEmpty={(data) => data.length === 0} empty={<p className="empty">{t('webhooks.empty')}</p>}>
        {(data) => (
          <ul className="config-list">
            {data.map((w) => (
              <li key={w.id}>
                <span>
                  <strong>{w.url}</strong> <span className="muted small">{w.events.join(', ')}</span>
                  {!w.active && <span className="muted small"> · {w.disabledReason ?? t('sso.inactive')}</span>}
                </span>
                <TenantTag tenant={w.tenant} />
                {w.tenantScope === 'all-readable' && <span className="muted small">{t('webhooks.allReadableTag')}</span>}
                <button type="button" className="button secondary small" onClick={() => setOpen(open === w.id ? null : w.id)}>
                  {t('webhooks.deliveries')}
                </button>
                <button type="button" className="button secondary small" disabled={update.isPending} onClick={() => update.mutate({ id: w.id, body: { active: !w.active } })}>
                  {w.active ? t('sso.disable') : t('sso.enable')}
                </button>
                <button type="button" className="button secondary small" disabled={rotate.isPending} onClick={() => rotate.mutate(w.id)}>
                  {t('webhooks.rotate')}
                </button>
                <button type="button" className="button danger small" disabled={remove.isPending} onClick={() => window.confirm(t('webhooks.removeConfirm', { url: w.url })) && remove.mutate(w.id)}>
                  {t('webhooks.remove')}
                </button>
                {open === w.id && <Deliveries hook={w} />}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {(remove.isError || update.isError || rotate.isError) && <ErrorMessage error={remove.error ?? update.error ?? rotate.error} />}
      <form className="card form" onSubmit={submit}>
        <h3>{t('admin.new')}</h3>
        {choice.several && (
          <label className="check">
            <input type="checkbox" checked={allReadable} onChange={(e) => setAllReadable(e.target.checked)} /> {t('webhooks.allReadable')}
          </label>
        )}
        {!allReadable && <TenantField choice={choice} empty={t('newTicket.chooseTenant')} required />}
        <Field label={t('webhooks.url')}>
          <input type="url" name="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
        </Field>
        <fieldset>
          <legend>{t('webhooks.events')}</legend>
          {EVENTS.map((name) => (
            <label key={name} className="check">
              <input type="checkbox" checked={events.includes(name)} onChange={(e) => setEvents(e.target.checked ? [...events, name] : events.filter((x) => x !== name))} /> {name}
            </label>
          ))}
        </fieldset>
        <Field label={t('webhooks.description')}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <FormFooter mutation={create} />
      </form>
    </section>
  );
}
