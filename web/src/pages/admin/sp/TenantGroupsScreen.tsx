import { useState, type FormEvent } from 'react';
import { useSpTenants, useTenantGroupActions, useTenantGroups } from '../../../api/admin-queries.ts';
import type { TenantEntry, TenantGroup } from '../../../api/admin-types.ts';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { Field } from '../../../components/Field.tsx';
import { useI18n } from '../../../i18n/i18n.tsx';
import { FormFooter, SaveOrCancel } from '../AdminParts.tsx';
import { QueryView } from '../../../components/QueryView.tsx';

/** Tenants to tick, for a group's members. */
function MemberChoice({ tenants, members, onChange, legend }: { tenants: TenantEntry[]; members: string[]; onChange: (m: string[]) => void; legend: string }) {
  const toggle = (slug: string, on: boolean) => onChange(on ? [...members, slug] : members.filter((m) => m !== slug));
  return (
    <fieldset className="members">
      <legend>{legend}</legend>
      {tenants.map((x) => (
        <label key={x.slug} className="check">
          <input type="checkbox" checked={members.includes(x.slug)} onChange={(e) => toggle(x.slug, e.target.checked)} /> {x.name} <span className="muted small mono">{x.slug}</span>
        </label>
      ))}
    </fieldset>
  );
}

function GroupEditor({ group, tenants, onDone }: { group: TenantGroup; tenants: TenantEntry[]; onDone: () => void }) {
  const { t } = useI18n();
  const { update } = useTenantGroupActions();
  const [name, setName] = useState(group.name);
  const [description, setDescription] = useState(group.description);
  const [members, setMembers] = useState(group.members);
  const user = group.kind === 'user';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ slug: group.slug, body: { name: name.trim(), description, ...(user ? { members } : {}) } }, { onSuccess: onDone });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={t('admin.editing', { name: group.name })}>
      <h3>{t('admin.editing', { name: group.name })}</h3>
      <Field label={t('admin.name')}>
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label={t('sp.description')}>
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      {user ? <MemberChoice tenants={tenants} members={members} onChange={setMembers} legend={t('sp.members')} /> : <p className="muted small">{t('sp.groupKind.maintained')}</p>}
      <SaveOrCancel mutation={update} onCancel={onDone} />
    </form>
  );
}

function NewGroupForm({ tenants }: { tenants: TenantEntry[] }) {
  const { t } = useI18n();
  const { create } = useTenantGroupActions();
  const empty = { slug: '', name: '', description: '', members: [] as string[] };
  const [form, setForm] = useState(empty);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ slug: form.slug.trim(), name: form.name.trim(), description: form.description, members: form.members }, { onSuccess: () => setForm(empty) });
  };
  return (
    <form className="card form" onSubmit={submit}>
      <h3>{t('sp.newGroup')}</h3>
      <Field label={t('admin.name')}>
        <input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
      </Field>
      <Field label={t('sp.slug')}>
        <input required pattern="[a-z0-9][a-z0-9\-]{0,62}" value={form.slug} onChange={(e) => setForm({ ...form, slug: e.target.value })} />
      </Field>
      <Field label={t('sp.description')}>
        <input value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} />
      </Field>
      <MemberChoice tenants={tenants} members={form.members} onChange={(members) => setForm({ ...form, members })} legend={t('sp.members')} />
      <FormFooter mutation={create} />
    </form>
  );
}

/** Tenant groups: the administrators' own (edited, deleted) and, on request, those maintained from the hierarchy. */
export function TenantGroupsScreen() {
  const { t } = useI18n();
  const [maintained, setMaintained] = useState(false);
  const groups = useTenantGroups(maintained);
  const tenants = useSpTenants();
  const { remove } = useTenantGroupActions();
  const [editing, setEditing] = useState<string | null>(null);
  const chosen = groups.data?.find((g) => g.slug === editing);
  return (
    <section>
      <h2>{t('sp.groups')}</h2>
      <label className="check">
        <input type="checkbox" checked={maintained} onChange={(e) => setMaintained(e.target.checked)} /> {t('sp.showMaintained')}
      </label>
      <QueryView query={groups} isEmpty={(data) => data.length === 0} empty={<p className="empty">{t('admin.empty')}</p>}>
        {(data) => (
          <ul className="config-list">
            {data.map((g) => (
              <li key={g.slug}>
                <span>
                  <strong>{g.name}</strong> <span className="muted small mono">{g.slug}</span>
                  <div className="small">
                    {t('sp.members')}: {g.members.join(', ') || t('ticket.none')}
                  </div>
                </span>
                {g.kind !== 'user' && <span className="tag tag-public" title={t('sp.groupKind.maintained')}>{t('sp.maintained')}</span>}
                <button type="button" className="button secondary small" aria-label={t('admin.editing', { name: g.name })} onClick={() => setEditing(editing === g.slug ? null : g.slug)}>
                  {t('actions.edit')}
                </button>
                {g.kind === 'user' && (
                  <button type="button" className="button danger small" disabled={remove.isPending} onClick={() => window.confirm(t('sp.deleteGroupConfirm', { slug: g.slug })) && remove.mutate(g.slug)}>
                    {t('actions.delete')}
                    <span className="visually-hidden"> {g.name}</span>
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      {remove.isError && <ErrorMessage error={remove.error} />}
      {chosen && <GroupEditor key={chosen.slug} group={chosen} tenants={tenants.data ?? []} onDone={() => setEditing(null)} />}
      <NewGroupForm tenants={tenants.data ?? []} />
    </section>
  );
}
