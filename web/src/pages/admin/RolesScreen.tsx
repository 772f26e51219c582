import { useId, useState, type FormEvent } from 'react';
import { useRoleActions, useRoles, type RoleBody } from '../../api/admin-queries.ts';
import type { AdminRole } from '../../api/admin-types.ts';
import { useReadableTenants } from '../../api/queries.ts';
import type { Me } from '../../api/types.ts';
import { can } from '../../app/session.ts';
import { Field } from '../../components/Field.tsx';
import { inRoleOrder, publicName } from '../../i18n/choice-words.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { FormFooter, SaveOrCancel, RowAccess, TenantField, TenantTag, useTenantChoice } from './AdminParts.tsx';
import { QueryView } from '../../components/QueryView.tsx';
import { PartitionEditor } from './PartitionEditor.tsx';
import { draftsOf, rowProblem, storedOf, summaryOf, type PartitionDraft } from './partition-drafts.ts';

/** `tenant:acme` -> "Tenant acme", in the reader's language. */
function useAccessLabel() {
  const { t } = useI18n();
  return (access: string) => {
    const [kind, name = ''] = access.split(':', 2);
    if (kind === 'all' || kind === 'own') return t(`roles.access.${kind}`);
    if (kind === 'tenant' || kind === 'group') return t(`roles.access.${kind}`, { name });
    return access;
  };
}

type RoleForm = { slug: string; name: string; read: string; write: string; mayWritePublic: boolean; permissions: string; partitions: PartitionDraft[] };

const formOf = (role?: AdminRole): RoleForm => ({
  slug: role?.slug ?? '',
  name: role?.name ?? '',
  read: role?.read ?? 'own',
  write: role?.write ?? 'own',
  mayWritePublic: role?.mayWritePublic ?? false,
  permissions: (role?.permissions ?? []).join(', '),
  partitions: draftsOf(role?.partitions ?? []),
});

/** The form's values as the API wants them, or null while a partition row is not valid (shown by its row). */
function bodyOf(form: RoleForm): RoleBody | null {
  if (form.partitions.some((d) => d.rows.some((row) => rowProblem(row)))) return null;
  const partitions = storedOf(form.partitions);
  const permissions = form.permissions.split(',').map((p) => p.trim()).filter(Boolean);
  return { name: form.name.trim(), read: form.read.trim(), write: form.write.trim(), permissions, partitions, ...(form.mayWritePublic ? { mayWritePublic: true } : { mayWritePublic: false }) };
}

/** The fields of a role, for creating or changing it. */
function RoleFields({ me, form, setForm, creating, checked, serverError }: { me: Me; form: RoleForm; setForm: (f: RoleForm) => void; creating: boolean; checked: boolean; serverError: unknown }) {
  const { t } = useI18n();
  const listId = useId();
  const tenants = useReadableTenants(me.access.read === 'all' || me.access.read.length > 1);
  const set = (name: keyof RoleForm) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const suggestions = ['own', 'all', ...(tenants.data ?? []).map((x) => `tenant:${x.slug}`)];
  return (
    <>
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {creating && (
        <Field label={t('roles.slug')} hint={t('sp.slugHint')}>
          <input required pattern="[a-z0-9][a-z0-9\-]{0,62}" value={form.slug} onChange={set('slug')} />
        </Field>
      )}
      <Field label={t('admin.name')}>
        <input required value={form.name} onChange={set('name')} />
      </Field>
      <Field label={t('roles.read')} hint={t('roles.accessHint')}>
        <input required list={listId} value={form.read} onChange={set('read')} />
      </Field>
      <Field label={t('roles.write')} hint={t('roles.accessHint')}>
        <input required list={listId} value={form.write} onChange={set('write')} />
      </Field>
      {me.access.writePublic && (
        <label className="check">
          <input type="checkbox" checked={form.mayWritePublic} onChange={(e) => setForm({ ...form, mayWritePublic: e.target.checked })} /> {t('roles.writePublic')}
        </label>
      )}
      <Field label={t('roles.permissions')} hint={t('roles.permissionsHint')}>
        <input value={form.permissions} onChange={set('permissions')} />
      </Field>
      <PartitionEditor drafts={form.partitions} onChange={(partitions) => setForm({ ...form, partitions })} showProblems={checked} serverError={serverError} />
    </>
  );
}

function RoleEditor({ me, role, onDone }: { me: Me; role: AdminRole; onDone: () => void }) {
  const { t } = useI18n();
  const { update } = useRoleActions();
  const [form, setForm] = useState(formOf(role));
  const [checked, setChecked] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = bodyOf(form);
    setChecked(true);
    if (body) update.mutate({ id: role.id, body }, { onSuccess: onDone });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={t('admin.editing', { name: role.name })}>
      <h3>{t('admin.editing', { name: role.name })}</h3>
      <RoleFields me={me} form={form} setForm={setForm} creating={false} checked={checked} serverError={update.error} />
      <SaveOrCancel mutation={update} onCancel={onDone} />
    </form>
  );
}

function NewRoleForm({ me }: { me: Me }) {
  const { t } = useI18n();
  const { create } = useRoleActions();
  const choice = useTenantChoice(me);
  const [form, setForm] = useState(formOf());
  const [checked, setChecked] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = bodyOf(form);
    setChecked(true);
    if (!body) return;
    create.mutate({ ...body, slug: form.slug.trim(), ...(choice.several ? { tenantId: choice.tenantId ?? null } : {}) }, { onSuccess: () => (setForm(formOf()), setChecked(false)) });
  };
  return (
    <form className="card form" onSubmit={submit}>
      <h3>{t('admin.new')}</h3>
      {!can(me, 'admin.anything') && <p className="muted small">{t('roles.confinedHint')}</p>}
      <TenantField choice={choice} empty={t('admin.public')} required={false} />
      <RoleFields me={me} form={form} setForm={setForm} creating checked={checked} serverError={create.error} />
      <FormFooter mutation={create} />
    </form>
  );
}

/** Roles with their tenant access and data partitions: public ones marked and read-only unless the role writes public objects. */
export function RolesScreen({ me }: { me: Me }) {
  const { t } = useI18n();
  const roles = useRoles();
  const accessLabel = useAccessLabel();
  const [editing, setEditing] = useState<string | null>(null);
  const mayWrite = can(me, 'admin.tenant');
  const chosen = roles.data?.find((r) => r.id === editing);

  return (
    <section>
      <h2>{t('admin.rolesTab')}</h2>
      <p className="muted small">{t('admin.publicHint')}</p>
      <QueryView query={roles}>
        {(data) => (
          <table className="tickets role-table">
            <thead>
              <tr>
                <th scope="col">{t('admin.name')}</th>
                <th scope="col">{t('ticket.tenant')}</th>
                <th scope="col">{t('roles.read')}</th>
                <th scope="col">{t('roles.write')}</th>
                <th scope="col">{t('roles.permissions')}</th>
                <th scope="col">{t('roles.partitions')}</th>
                <th scope="col">{t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {inRoleOrder(data).map((r) => (
                <tr key={r.id}>
                  <td data-label={t('admin.name')}>
                    {publicName(t, r.name, r.tenant)} <span className="muted small mono">{r.slug}</span>
                  </td>
                  <td data-label={t('ticket.tenant')}>
                    <TenantTag tenant={r.tenant} />
                  </td>
                  <td data-label={t('roles.read')}>{accessLabel(r.read)}</td>
                  <td data-label={t('roles.write')}>
                    {accessLabel(r.write)}
                    {r.mayWritePublic && <span className="muted small"> · {t('roles.writePublic')}</span>}
                  </td>
                  <td data-label={t('roles.permissions')} className="mono small">
                    {r.permissions.join(', ')}
                  </td>
                  <td data-label={t('roles.partitions')} className="mono small">
                    {r.partitions.length ? r.partitions.map(summaryOf).join('; ') : t('roles.noPartitions')}
                  </td>
                  <td data-label={t('admin.actions')}>
                    <RowAccess me={me} mayWrite={mayWrite} tenant={r.tenant} label={publicName(t, r.name, r.tenant)} onEdit={() => setEditing(editing === r.id ? null : r.id)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryView>
      {chosen && <RoleEditor key={chosen.id} me={me} role={chosen} onDone={() => setEditing(null)} />}
      {mayWrite && <NewRoleForm me={me} />}
    </section>
  );
}
