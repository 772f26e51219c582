import { useState, type FormEvent } from 'react';
import { useMailboxActions, useMailboxes } from '../../api/admin-queries.ts';
import type { Me } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { FormFooter, TenantField, TenantTag, useTenantChoice } from './AdminParts.tsx';
import { QueryView } from '../../components/QueryView.tsx';

const EMPTY = { address: '', name: '', acceptUnknownSenders: true, autoReply: true, imapUrl: '', smtpUrl: '' };

/** Email settings: the support addresses whose mail opens tickets here (templates are the mail settings' own). */
export function MailboxesScreen({ me }: { me: Me }) {
  const { t } = useI18n();
  const mailboxes = useMailboxes();
  const { create, remove } = useMailboxActions();
  const choice = useTenantChoice(me);
  const [form, setForm] = useState(EMPTY);
  const text = (name: 'address' | 'name' | 'imapUrl' | 'smtpUrl') => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const check = (name: 'acceptUnknownSenders' | 'autoReply') => (event: { target: { checked: boolean } }) => setForm({ ...form, [name]: event.target.checked });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const optional = (name: 'name' | 'imapUrl' | 'smtpUrl') => (form[name].trim() ? { [name]: form[name].trim() } : {});
    create.mutate(
      {
        address: form.address.trim(),
        acceptUnknownSenders: form.acceptUnknownSenders,
        autoReply: form.autoReply,
        ...optional('name'),
        ...optional('imapUrl'),
        ...optional('smtpUrl'),
        ...(choice.several && choice.tenant ? { tenant: choice.tenant } : {}),
      },
      { onSuccess: () => setForm(EMPTY) },
    );
  };

  return (
    <section>
      <h2>{t('mail.title')}</h2>
      <p className="muted small">{t('mail.intro')}</p>
      <QueryView query={mailboxes} isEmpty={(data) => data.length === 0} empty={<p className="empty">{t('mail.empty')}</p>}>
        {(data) => (
          <ul className="config-list">
            {data.map((m) => (
              <li key={m.id}>
                <span>
                  <strong>{m.address}</strong> {m.name && <span className="muted">({m.name})</span>}
                  <span className="muted small"> · {m.imapHost ? t('mail.fetch', { host: m.imapHost }) : t('mail.bySmtp')}</span>
                  {m.smtpRelay === 'own' && <span className="muted small"> · {t('mail.ownRelay')}</span>}
                </span>
                <TenantTag tenant={m.tenant} />
                <button
                  type="button"
                  className="button danger small"
                  disabled={remove.isPending}
                  onClick={() => window.confirm(t('mail.removeConfirm', { address: m.address })) && remove.mutate(m.id)}
                >
                  {t('mail.remove', { address: m.address })}
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {remove.isError && <ErrorMessage error={remove.error} />}
      <form className="card form" onSubmit={submit}>
        <h3>{t('admin.new')}</h3>
        <TenantField choice={choice} empty={t('newTicket.chooseTenant')} required />
        <Field label={t('mail.address')}>
          <input type="email" required value={form.address} onChange={text('address')} />
        </Field>
        <Field label={t('mail.name')}>
          <input value={form.name} onChange={text('name')} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={form.acceptUnknownSenders} onChange={check('acceptUnknownSenders')} /> {t('mail.acceptUnknown')}
        </label>
        <label className="check">
          <input type="checkbox" checked={form.autoReply} onChange={check('autoReply')} /> {t('mail.autoReply')}
        </label>
        <Field label={t('mail.imapUrl')} hint={t('mail.imapHint')}>
          <input value={form.imapUrl} onChange={text('imapUrl')} autoComplete="off" />
        </Field>
        <Field label={t('mail.smtpUrl')} hint={t('mail.smtpHint')}>
          <input value={form.smtpUrl} onChange={text('smtpUrl')} autoComplete="off" />
        </Field>
        <FormFooter mutation={create} />
      </form>
    </section>
  );
}
