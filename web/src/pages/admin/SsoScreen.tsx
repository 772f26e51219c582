import { useState, type FormEvent } from 'react';
import { useSsoActions, useSsoConnections } from '../../api/admin-queries.ts';
import type { SsoConnection } from '../../api/admin-types.ts';
import type { Me } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { QueryView } from '../../components/QueryView.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { FormFooter, TenantField, TenantTag, useTenantChoice } from './AdminParts.tsx';

const EMPTY = { name: '', issuer: '', clientId: '', clientSecret: '', scopes: 'openid email profile', allowedDomains: '', localPasswords: true, jit: 'off' as SsoConnection['jit'], jitRole: '', roleMapping: '' };

/** `group=role` lines as a role mapping. */
const mappingOf = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => ({ group: line.slice(0, line.lastIndexOf('=')).trim(), role: line.slice(line.lastIndexOf('=') + 1).trim() }));

/** Single sign-on: the identity providers this help desk's contacts sign in with (OpenID Connect). */
export function SsoScreen({ me }: { me: Me }) {
  const { t } = useI18n();
  const connections = useSsoConnections();
  const { create, update, remove } = useSsoActions();
  const choice = useTenantChoice(me);
  const [form, setForm] = useState(EMPTY);
  const text = (name: Exclude<keyof typeof EMPTY, 'localPasswords'>) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const domains = form.allowedDomains.split(/[\s,]+/).filter(Boolean);
    create.mutate(
      {
        name: form.name.trim(),
        issuer: form.issuer.trim(),
        clientId: form.clientId.trim(),
        ...(form.clientSecret ? { clientSecret: form.clientSecret } : {}),
        scopes: form.scopes,
        allowedDomains: domains,
        localPasswords: form.localPasswords,
        jit: form.jit,
        ...(form.jitRole.trim() ? { jitRole: form.jitRole.trim() } : {}),
        roleMapping: mappingOf(form.roleMapping),
        ...(choice.several && choice.tenant ? { tenant: choice.tenant } : {}),
      },
      { onSuccess: () => setForm(EMPTY) },
    );
  };

  return (
    <section>
      <h2>{t('sso.title')}</h2>
      <p className="muted small">{t('sso.intro', { callback: `${window.location.origin}/api/v1/auth/oidc/callback` })}</p>
      <QueryView query={connections} isEmpty={(data) => data.length === 0} empty={<p className="empty">{t('sso.empty')}</p>}>
        {(data) => (
          <ul className="config-list">
            {data.map((c) => (
              <li key={c.id}>
                <span>
                  <strong>{c.name}</strong> <span className="muted small">{c.issuer}</span>
                  <span className="muted small">
                    {' '}
                    · {t(`sso.jit.${c.jit}`)} · {c.localPasswords ? t('sso.passwordsToo') : t('sso.ssoOnly')}
                    {c.allowedDomains.length > 0 && ` · ${c.allowedDomains.join(', ')}`}
                    {!c.active && ` · ${t('sso.inactive')}`}
                  </span>
                </span>
                <TenantTag tenant={c.tenant} />
                <button type="button" className="button secondary small" disabled={update.isPending} onClick={() => update.mutate({ id: c.id, body: { active: !c.active } })}>
                  {c.active ? t('sso.disable') : t('sso.enable')}
                </button>
                <button type="button" className="button danger small" disabled={remove.isPending} onClick={() => window.confirm(t('sso.removeConfirm', { name: c.name })) && remove.mutate(c.id)}>
                  {t('sso.remove', { name: c.name })}
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {(remove.isError || update.isError) && <ErrorMessage error={remove.error ?? update.error} />}
      <form className="card form" onSubmit={submit}>
        <h3>{t('admin.new')}</h3>
        <TenantField choice={choice} empty={t('newTicket.chooseTenant')} required />
        <Field label={t('sso.name')}>
          <input required value={form.name} onChange={text('name')} />
        </Field>
        <Field label={t('sso.issuer')} hint={t('sso.issuerHint')}>
          <input type="url" required value={form.issuer} onChange={text('issuer')} autoComplete="off" />
        </Field>
        <Field label={t('sso.clientId')}>
          <input required value={form.clientId} onChange={text('clientId')} autoComplete="off" />
        </Field>
        <Field label={t('sso.clientSecret')} hint={t('sso.clientSecretHint')}>
          <input type="password" value={form.clientSecret} onChange={text('clientSecret')} autoComplete="new-password" />
        </Field>
        <Field label={t('sso.scopes')}>
          <input value={form.scopes} onChange={text('scopes')} />
        </Field>
        <Field label={t('sso.domains')} hint={t('sso.domainsHint')}>
          <input value={form.allowedDomains} onChange={text('allowedDomains')} />
        </Field>
        <label className="check">
          <input type="checkbox" checked={form.localPasswords} onChange={(e) => setForm({ ...form, localPasswords: e.target.checked })} /> {t('sso.localPasswords')}
        </label>
        <Field label={t('sso.jitLabel')}>
          <select value={form.jit} onChange={text('jit')}>
            {(['off', 'customers', 'customers_and_agents'] as const).map((mode) => (
              <option key={mode} value={mode}>
                {t(`sso.jit.${mode}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('sso.jitRole')} hint={t('sso.jitRoleHint')}>
          <input value={form.jitRole} onChange={text('jitRole')} />
        </Field>
        <Field label={t('sso.mapping')} hint={t('sso.mappingHint')}>
          <textarea rows={3} value={form.roleMapping} onChange={text('roleMapping')} />
        </Field>
        <FormFooter mutation={create} />
      </form>
    </section>
  );
}
