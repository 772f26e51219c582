import { useState, type FormEvent } from 'react';
import { useContactActions, useHeldRoles, useRoles } from '../../api/admin-queries.ts';
import { useContacts, useCreateContact } from '../../api/queries.ts';
import type { Contact, Me } from '../../api/types.ts';
import { can } from '../../app/session.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { Options } from '../../components/Options.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { inRoleOrder, publicName } from '../../i18n/choice-words.ts';
import { FormFooter, SaveOrCancel, TenantField, TenantTag, useTenantChoice } from './AdminParts.tsx';
import { QueryView } from '../../components/QueryView.tsx';

const KINDS = ['agent', 'customer', 'staff'] as const;
type Kind = (typeof KINDS)[number];
const kindKey = (kind: string) => (KINDS.includes(kind as Kind) ? (`kind.${kind as Kind}` as const) : undefined);

/** The roles a contact holds, each removable, and a role to give: the contact's tenant's own or a public one. */
function RolesPanel({ contact }: { contact: Contact }) {
  const { t } = useI18n();
  const held = useHeldRoles(contact.id);
  const roles = useRoles();
  const { grant, revoke } = useContactActions();
  const [role, setRole] = useState('');
  const holds = new Set((held.data ?? []).map((r) => r.id));
  const offered = (roles.data ?? []).filter((r) => !holds.has(r.id) && (r.tenant === null || r.tenant === contact.tenant));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    grant.mutate({ id: contact.id, role }, { onSuccess: () => setRole('') });
  };
  return (
    <div className="card">
      <h3>{t('admin.rolesOf', { name: contact.name })}</h3>
      <QueryView query={held} retry={false}>
        {(data) => (
          <ul className="config-list">
            {data.map((r) => (
              <li key={r.id}>
                <span>
                  {publicName(t, r.name, r.tenant)} <span className="muted small mono">{r.slug}</span>
                  {r.default && <span className="muted small"> · {t('admin.defaultRole')}</span>}
                </span>
                <TenantTag tenant={r.tenant} />
                <button type="button" className="button danger small" onClick={() => revoke.mutate({ id: contact.id, roleId: r.id })} disabled={revoke.isPending}>
                  {t('admin.removeRole', { role: publicName(t, r.name, r.tenant) })}
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {revoke.isError && <ErrorMessage error={revoke.error} />}
      <form className="inline-form" onSubmit={submit}>
        <Field label={t('admin.giveRole')}>
          <select required value={role} onChange={(e) => setRole(e.target.value)}>
            <Options empty={t('admin.chooseRole')} items={inRoleOrder(offered).map((r) => ({ value: r.slug, label: `${publicName(t, r.name, r.tenant)} (${r.slug})` }))} />
          </select>
        </Field>
        <FormFooter mutation={grant} label={t('admin.giveRole')} done={t('admin.saved')} />
      </form>
    </div>
  );
}

/** A contact's name, kind and status, changed in place. */
function ContactEditor({ contact, onDone }: { contact: Contact; onDone: () => void }) {
  const { t } = useI18n();
  const { update } = useContactActions();
  const [name, setName] = useState(contact.name);
  const [kind, setKind] = useState(contact.kind);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ id: contact.id, body: { name: name.trim(), kind } }, { onSuccess: onDone });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={t('admin.editing', { name: contact.name })}>
      <h3>{t('admin.editing', { name: contact.name })}</h3>
      <Field label={t('admin.name')}>
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label={t('admin.kind')}>
        <select value={kind} onChange={(e) => setKind(e.target.value)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`kind.${k}`)}
            </option>
          ))}
        </select>
      </Field>
      <SaveOrCancel mutation={update} onCancel={onDone} />
    </form>
  );
}

function ContactRow({ contact, mayWrite, selected, onSelect }: { contact: Contact; mayWrite: boolean; selected: boolean; onSelect: () => void }) {
  const { t } = useI18n();
  const { update } = useContactActions();
  const key = kindKey(contact.kind);
  const disabled = contact.status === 'disabled';
  return (
    <tr className={disabled ? 'muted' : undefined}>
      <td data-label={t('admin.name')}>{contact.name}</td>
      <td data-label={t('admin.email')}>{contact.email}</td>
      <td data-label={t('admin.kind')}>{key ? t(key) : contact.kind}</td>
      <td data-label={t('admin.status')}>{t(disabled ? 'admin.contactStatus.disabled' : 'admin.contactStatus.active')}</td>
      <td data-label={t('contactForm.roles')}>{(contact.roles ?? []).map((r) => publicName(t, r.name)).join(', ')}</td>
      <td data-label={t('ticket.tenant')}>
        <TenantTag tenant={contact.tenant} />
      </td>
      {mayWrite && (
        <td data-label={t('admin.actions')}>
          <div className="actions">
            <button type="button" className="button secondary small" aria-pressed={selected} aria-label={t('admin.editing', { name: contact.name })} onClick={onSelect}>
              {t('actions.edit')}
            </button>
            <button type="button" className="button secondary small" disabled={update.isPending} onClick={() => update.mutate({ id: contact.id, body: { status: disabled ? 'active' : 'disabled' } })}>
              {t(disabled ? 'admin.enable' : 'admin.disable')}
              <span className="visually-hidden"> {contact.name}</span>
            </button>
          </div>
          {update.isError && <ErrorMessage error={update.error} />}
        </td>
      )}
    </tr>
  );
}

function NewContactForm({ me }: { me: Me }) {
  const { t } = useI18n();
  const create = useCreateContact();
  const choice = useTenantChoice(me);
  const allRoles = useRoles();
  const empty = { kind: 'customer', email: '', name: '', password: '', roles: [] as string[] };
  const [form, setForm] = useState(empty);
  const set = (name: 'kind' | 'email' | 'name' | 'password') => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  // The roles a contact of the chosen tenant may hold: public ones and that tenant's own.
  const offered = (allRoles.data ?? []).filter((r) => r.tenant === null || !choice.several || r.tenant === choice.tenant);
  const tick = (slug: string, on: boolean) => setForm({ ...form, roles: on ? [...form.roles, slug] : form.roles.filter((r) => r !== slug) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const roles = form.roles.filter((slug) => offered.some((r) => r.slug === slug));
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
      <fieldset className="field checkboxes" aria-describedby="new-contact-roles-hint">
        <legend>{t('contactForm.roles')}</legend>
        {inRoleOrder(offered).map((r) => (
          <label key={r.id} className="check">
            <input type="checkbox" name="roles" value={r.slug} checked={form.roles.includes(r.slug)} onChange={(e) => tick(r.slug, e.target.checked)} /> {publicName(t, r.name, r.tenant)}
          </label>
        ))}
        {!offered.length && <p className="muted">{t('contactForm.noRoles')}</p>}
        <p id="new-contact-roles-hint" className="hint">
          {t('contactForm.rolesHint')}
        </p>
      </fieldset>
      <FormFooter mutation={create} />
    </form>
  );
}

/** The contacts of the tenants the role reads: listed, created, edited, disabled, and their roles. */
export function ContactsScreen({ me }: { me: Me }) {
  const { t } = useI18n();
  const contacts = useContacts();
  const mayWrite = can(me, 'admin.tenant');
  const [selected, setSelected] = useState<string | null>(null);
  const chosen = contacts.data?.find((c) => c.id === selected);

  return (
    <section>
      <h2>{t('admin.contacts')}</h2>
      <QueryView query={contacts}>
        {(data) => (
          <table className="tickets">
            <thead>
              <tr>
                <th scope="col">{t('admin.name')}</th>
                <th scope="col">{t('admin.email')}</th>
                <th scope="col">{t('admin.kind')}</th>
                <th scope="col">{t('admin.status')}</th>
                <th scope="col">{t('contactForm.roles')}</th>
                <th scope="col">{t('ticket.tenant')}</th>
                {mayWrite && <th scope="col">{t('admin.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {data.map((c) => (
                <ContactRow key={c.id} contact={c} mayWrite={mayWrite} selected={c.id === selected} onSelect={() => setSelected(c.id === selected ? null : c.id)} />
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      {mayWrite && chosen && (
        <div className="two-columns">
          <ContactEditor key={chosen.id} contact={chosen} onDone={() => setSelected(null)} />
          <RolesPanel contact={chosen} />
        </div>
      )}
      {mayWrite && <NewContactForm me={me} />}
    </section>
  );
}
