import { useState, type FormEvent } from 'react';
import { NavLink, useParams } from 'react-router';
import { useConfigActions, useConfigList, useContacts, useCreateContact, useReadableTenants } from '../../api/queries.ts';
import type { ConfigItem, Me } from '../../api/types.ts';
import { can, writesSeveralTenants } from '../../app/session.ts';
import { ErrorMessage, Loading, Notice } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { textToHtml } from '../../components/html.ts';
import type { MessageKey } from '../../i18n/messages.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { NotFoundPage } from '../NotFoundPage.tsx';
import { Options, tenantOptions } from '../../components/Options.tsx';

type InputKind = 'text' | 'minutes' | 'longtext';
type Resource = { path: string; title: MessageKey; label: string; fields: { name: string; label: MessageKey; input: InputKind; required: boolean }[] };

/** The configuration the API offers, each with the fields its create form needs. */
const RESOURCES: Resource[] = [
  { path: 'departments', title: 'admin.departments', label: 'name', fields: [{ name: 'name', label: 'admin.name', input: 'text', required: true }] },
  { path: 'teams', title: 'admin.teams', label: 'name', fields: [{ name: 'name', label: 'admin.name', input: 'text', required: true }] },
  { path: 'help-topics', title: 'admin.helpTopics', label: 'name', fields: [{ name: 'name', label: 'admin.name', input: 'text', required: true }] },
  {
    path: 'sla-plans',
    title: 'admin.slaPlans',
    label: 'name',
    fields: [
      { name: 'name', label: 'admin.name', input: 'text', required: true },
      { name: 'firstResponseMinutes', label: 'admin.firstResponseMinutes', input: 'minutes', required: false },
      { name: 'resolutionMinutes', label: 'admin.resolutionMinutes', input: 'minutes', required: true },
    ],
  },
  {
    path: 'canned-responses',
    title: 'admin.cannedResponses',
    label: 'title',
    fields: [
      { name: 'title', label: 'admin.title2', input: 'text', required: true },
      { name: 'bodyHtml', label: 'admin.body', input: 'longtext', required: true },
    ],
  },
];

/** Public rows first, then by tenant, then alphabetically. */
const sortByTenant = (items: ConfigItem[]) => [...items].sort((a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? '') || String(a.name ?? a.title).localeCompare(String(b.name ?? b.title)));

/** Tenant administration: the desk configuration and the contacts of the tenants the role reads. */
export function AdminPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const { resource = '' } = useParams();
  const chosen = RESOURCES.find((r) => r.path === resource);
  if (!chosen && resource !== 'contacts') return <NotFoundPage />;
  return (
    <>
      <h1>{t('admin.title')}</h1>
      <nav className="tabs" aria-label={t('admin.title')}>
        {RESOURCES.map((r) => (
          <NavLink key={r.path} to={`/admin/${r.path}`} className="tab">
            {t(r.title)}
          </NavLink>
        ))}
        <NavLink to="/admin/contacts" className="tab">
          {t('admin.contacts')}
        </NavLink>
      </nav>
      {chosen ? <ConfigScreen key={chosen.path} me={me} resource={chosen} /> : <ContactsScreen me={me} />}
    </>
  );
}

/** Which tenant a new row is for, when the role writes several: a choice, or none for a public row. */
function useTenantChoice(me: Me) {
  const several = writesSeveralTenants(me);
  const tenants = useReadableTenants(several);
  const [tenant, setTenant] = useState('');
  return { several, tenants: (tenants.data ?? []).filter((x) => x.writable), tenant, setTenant };
}

/** The end of every create form: what went wrong or right, and the button. */
function CreateFooter({ create }: { create: { isError: boolean; error: Error | null; isSuccess: boolean; isPending: boolean } }) {
  const { t } = useI18n();
  return (
    <>
      {create.isError && <ErrorMessage error={create.error} />}
      {create.isSuccess && <Notice>{t('admin.created')}</Notice>}
      <button type="submit" className="button" disabled={create.isPending}>
        {t('actions.create')}
      </button>
    </>
  );
}

/** The tenant a new row is for; shown only to a role that writes several tenants. */
function TenantField({ choice, empty, required }: { choice: ReturnType<typeof useTenantChoice>; empty: string; required: boolean }) {
  const { t } = useI18n();
  if (!choice.several) return null;
  return (
    <Field label={t('admin.forTenant')}>
      <select required={required} value={choice.tenant} onChange={(e) => choice.setTenant(e.target.value)}>
        <Options empty={empty} items={tenantOptions(choice.tenants)} />
      </select>
    </Field>
  );
}

function ConfigScreen({ me, resource }: { me: Me; resource: Resource }) {
  const { t } = useI18n();
  const list = useConfigList(resource.path);
  const { create, remove } = useConfigActions(resource.path);
  const mayWrite = can(me, 'admin.tenant');
  const choice = useTenantChoice(me);
  const [values, setValues] = useState<Record<string, string>>({});

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    for (const field of resource.fields) {
      const value = (values[field.name] ?? '').trim();
      if (!value) continue;
      body[field.name] = field.input === 'minutes' ? Number(value) : field.input === 'longtext' ? textToHtml(value) : value;
    }
    const tenantId = choice.tenants.find((x) => x.slug === choice.tenant)?.id;
    if (choice.several) body.tenantId = tenantId ?? null;
    create.mutate(body, { onSuccess: () => setValues({}) });
  };

  return (
    <section>
      <h2>{t(resource.title)}</h2>
      <p className="muted small">{t('admin.publicHint')}</p>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorMessage error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.length === 0 ? (
        <p className="empty">{t('admin.empty')}</p>
      ) : (
        <ul className="config-list">
          {sortByTenant(list.data).map((item: ConfigItem) => (
            <li key={item.id}>
              <span>{String(item[resource.label] ?? '')}</span>
              {item.tenant ? <span className="tag">{item.tenant}</span> : <span className="tag tag-public">{t('admin.public')}</span>}
              {mayWrite && (item.tenant || me.access.writePublic) && (
                <button type="button" className="button danger small" onClick={() => window.confirm(`${t('actions.delete')}: ${String(item[resource.label] ?? '')}?`) && remove.mutate(item.id)} disabled={remove.isPending}>
                  {t('actions.delete')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {remove.isError && <ErrorMessage error={remove.error} />}
      {mayWrite ? (
        <form className="card form" onSubmit={submit}>
          <h3>{t('admin.new')}</h3>
          <TenantField choice={choice} empty={t('admin.public')} required={false} />
          {resource.fields.map((field) => (
            <Field key={field.name} label={t(field.label)}>
              {field.input === 'longtext' ? (
                <textarea required={field.required} rows={4} value={values[field.name] ?? ''} onChange={(e) => setValues({ ...values, [field.name]: e.target.value })} />
              ) : (
                <input
                  type={field.input === 'minutes' ? 'number' : 'text'}
                  min={field.input === 'minutes' ? 1 : undefined}
                  required={field.required}
                  value={values[field.name] ?? ''}
                  onChange={(e) => setValues({ ...values, [field.name]: e.target.value })}
                />
              )}
            </Field>
          ))}
          <CreateFooter create={create} />
        </form>
      ) : (
        <p className="muted">{t('admin.readOnly')}</p>
      )}
    </section>
  );
}

function ContactsScreen({ me }: { me: Me }) {
  const { t } = useI18n();
  const contacts = useContacts();
  const create = useCreateContact();
  const choice = useTenantChoice(me);
  const mayWrite = can(me, 'admin.tenant');
  const empty = { kind: 'customer', email: '', name: '', password: '', roles: '' };
  const [form, setForm] = useState(empty);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const roles = form.roles.split(',').map((r) => r.trim()).filter(Boolean);
    create.mutate(
      {
        kind: form.kind,
        email: form.email.trim(),
        name: form.name.trim(),
        ...(form.password ? { password: form.password } : {}),
        ...(roles.length ? { roles } : {}),
        ...(choice.several && choice.tenant ? { tenant: choice.tenant } : {}),
      },
      { onSuccess: () => setForm(empty) },
    );
  };

  return (
    <section>
      <h2>{t('admin.contacts')}</h2>
      {contacts.isPending ? (
        <Loading />
      ) : contacts.isError ? (
        <ErrorMessage error={contacts.error} onRetry={() => void contacts.refetch()} />
      ) : (
        <table className="tickets">
          <thead>
            <tr>
              <th scope="col">{t('admin.name')}</th>
              <th scope="col">{t('admin.email')}</th>
              <th scope="col">{t('admin.kind')}</th>
              <th scope="col">{t('ticket.tenant')}</th>
            </tr>
          </thead>
          <tbody>
            {contacts.data.map((c) => (
              <tr key={c.id}>
                <td data-label={t('admin.name')}>{c.name}</td>
                <td data-label={t('admin.email')}>{c.email}</td>
                <td data-label={t('admin.kind')}>{c.kind === 'agent' || c.kind === 'customer' || c.kind === 'staff' ? t(`kind.${c.kind}`) : c.kind}</td>
                <td data-label={t('ticket.tenant')}>
                  <span className="tag">{c.tenant}</span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {mayWrite && (
        <form className="card form" onSubmit={submit}>
          <h3>{t('admin.new')}</h3>
          <TenantField choice={choice} empty={t('newTicket.chooseTenant')} required />
          <Field label={t('admin.kind')}>
            <select value={form.kind} onChange={set('kind')}>
              <option value="customer">{t('kind.customer')}</option>
              <option value="agent">{t('kind.agent')}</option>
            </select>
          </Field>
          <Field label={t('admin.name')}>
            <input required value={form.name} onChange={set('name')} />
          </Field>
          <Field label={t('admin.email')}>
            <input type="email" required value={form.email} onChange={set('email')} />
          </Field>
          <Field label={t('admin.password')}>
            <input type="password" minLength={8} autoComplete="new-password" value={form.password} onChange={set('password')} />
          </Field>
          <Field label={t('admin.roles')}>
            <input value={form.roles} onChange={set('roles')} placeholder="customer" />
          </Field>
          <CreateFooter create={create} />
        </form>
      )}
    </section>
  );
}
