import { useState, type FormEvent } from 'react';
import { useSpTenantActions, useSpTenants } from '../../../api/admin-queries.ts';
import type { NewTenant, TenantEntry } from '../../../api/admin-types.ts';
import { ErrorMessage } from '../../../components/ErrorMessage.tsx';
import { Field } from '../../../components/Field.tsx';
import { Options } from '../../../components/Options.tsx';
import { useI18n } from '../../../i18n/i18n.tsx';
import { FormFooter } from '../AdminParts.tsx';
import { QueryView } from '../../../components/QueryView.tsx';

type Actions = ReturnType<typeof useSpTenantActions>;

/** A tenant's host names, each removable, and one more to add. */
function Hosts({ tenant, actions }: { tenant: TenantEntry; actions: Actions }) {
  const { t } = useI18n();
  const [host, setHost] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    actions.addHost.mutate({ slug: tenant.slug, host: host.trim() }, { onSuccess: () => setHost('') });
  };
  return (
    <>
      <ul className="plain">
        {tenant.hosts.map((h) => (
          <li key={h}>
            <span className="mono small">{h}</span>{' '}
            <button type="button" className="link-button" onClick={() => actions.removeHost.mutate({ slug: tenant.slug, host: h })} aria-label={t('sp.removeHost', { host: h })}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <form className="inline-form" onSubmit={submit}>
        <input required value={host} onChange={(e) => setHost(e.target.value)} aria-label={t('sp.newHost', { name: tenant.name })} placeholder={t('sp.addHost')} />
        <button type="submit" className="button secondary small" disabled={actions.addHost.isPending}>
          {t('sp.addHost')}
        </button>
      </form>
    </>
  );
}

function TenantRow({ tenant, actions }: { tenant: TenantEntry; actions: Actions }) {
  const { t } = useI18n();
  const suspended = tenant.status !== 'active';
  const toggle = () => {
    if (suspended) actions.setStatus.mutate({ slug: tenant.slug, action: 'resume' });
    else if (window.confirm(t('sp.suspendConfirm', { name: tenant.name }))) actions.setStatus.mutate({ slug: tenant.slug, action: 'suspend' });
  };
  return (
    <tr data-tenant={tenant.slug} className={suspended ? 'muted' : undefined}>
      <th scope="row" data-label={t('admin.name')}>
        <span className="tree" style={{ paddingInlineStart: `${tenant.depth * 1.25}rem` }}>
          {tenant.depth > 0 && <span aria-hidden="true">↳ </span>}
          {tenant.name}
        </span>
        <div className="muted small mono">{tenant.slug}</div>
        {tenant.serviceProvider && <span className="tag">{t('sp.serviceProvider')}</span>}
      </th>
      <td data-label={t('admin.status')}>
        <span className={`badge ${suspended ? 'badge-closed' : 'badge-resolved'}`}>{t(`sp.tenantStatus.${tenant.status}`)}</span>
      </td>
      <td data-label={t('sp.parent')}>{tenant.parent ?? t('ticket.none')}</td>
      <td data-label={t('sp.placement')}>
        {t(tenant.placement === 'silo' ? 'sp.silo' : 'sp.pool')}
        {tenant.placement === 'silo' && <div className="muted small mono">{tenant.shard}</div>}
        {tenant.move && <div className="small">{t('sp.moving', { to: tenant.move.to, phase: tenant.move.phase })}</div>}
      </td>
      <td data-label={t('sp.hosts')}>
        <Hosts tenant={tenant} actions={actions} />
      </td>
      <td data-label={t('admin.actions')}>
        {!tenant.serviceProvider && (
          <button type="button" className={`button small ${suspended ? 'secondary' : 'danger'}`} onClick={toggle} disabled={actions.setStatus.isPending}>
            {t(suspended ? 'sp.resume' : 'sp.suspend')}
            <span className="visually-hidden"> {tenant.name}</span>
          </button>
        )}
      </td>
    </tr>
  );
}

function NewTenantForm({ tenants, actions }: { tenants: TenantEntry[]; actions: Actions }) {
  const { t } = useI18n();
  const empty = { slug: '', name: '', parent: '', hosts: '', template: '', placement: 'pool' as NewTenant['placement'], subtenantsAllowed: false };
  const [form, setForm] = useState(empty);
  const [created, setCreated] = useState('');
  const set = (name: 'slug' | 'name' | 'parent' | 'hosts' | 'template') => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const hosts = form.hosts.split(/\s+/).filter(Boolean);
    const body: NewTenant = { slug: form.slug.trim(), name: form.name.trim(), placement: form.placement, subtenantsAllowed: form.subtenantsAllowed, ...(hosts.length ? { hosts } : {}), ...(form.parent ? { parent: form.parent } : {}), ...(form.template ? { template: form.template } : {}) };
    actions.create.mutate(body, {
      onSuccess: (tenant) => {
        setCreated(tenant.name);
        setForm(empty);
      },
    });
  };
  return (
    <form className="card form" onSubmit={submit}>
      <h3>{t('sp.newTenant')}</h3>
      <Field label={t('admin.name')}>
        <input name="name" required maxLength={200} value={form.name} onChange={set('name')} />
      </Field>
      <Field label={t('sp.slug')} hint={t('sp.slugHint')}>
        <input name="slug" required pattern="[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?" value={form.slug} onChange={set('slug')} />
      </Field>
      <Field label={t('sp.parent')}>
        <select name="parent" value={form.parent} onChange={set('parent')}>
          <Options empty={t('sp.noParent')} items={tenants.filter((x) => x.subtenantsAllowed).map((x) => ({ value: x.slug, label: x.name }))} />
        </select>
      </Field>
      <Field label={t('sp.hosts')} hint={t('sp.hostsHint')}>
        <textarea rows={2} value={form.hosts} onChange={set('hosts')} />
      </Field>
      <Field label={t('sp.template')} hint={t('sp.templateHint')}>
        <select name="template" value={form.template} onChange={set('template')}>
          <Options empty={t('sp.noTemplate')} items={tenants.filter((x) => !x.serviceProvider).map((x) => ({ value: x.slug, label: x.name }))} />
        </select>
      </Field>
      <fieldset className="segmented">
        <legend>{t('sp.placement')}</legend>
        {(['pool', 'silo'] as const).map((p) => (
          <label key={p} className="segment">
            <input type="radio" name="placement" value={p} checked={form.placement === p} onChange={() => setForm({ ...form, placement: p })} /> {t(p === 'pool' ? 'sp.pool' : 'sp.silo')}
          </label>
        ))}
      </fieldset>
      <p className="hint">{t('sp.placementHint')}</p>
      <label className="check">
        <input type="checkbox" checked={form.subtenantsAllowed} onChange={(e) => setForm({ ...form, subtenantsAllowed: e.target.checked })} /> {t('sp.subtenantsAllowed')}
      </label>
      <FormFooter mutation={actions.create} done={t('sp.created', { name: created })} />
    </form>
  );
}

/** The catalog's tenants as a hierarchy: status, placement and hosts, suspend and resume, and new tenants. */
export function TenantsScreen() {
  const { t } = useI18n();
  const tenants = useSpTenants();
  const actions = useSpTenantActions();
  const failed = [actions.setStatus, actions.addHost, actions.removeHost].find((m) => m.isError);
  return (
    <section>
      <h2>{t('sp.tenants')}</h2>
      <QueryView query={tenants}>
        {(data) => (
          <>
            {failed && <ErrorMessage error={failed.error} />}
            <table className="tickets">
              <caption className="visually-hidden">{t('sp.hierarchy')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('admin.name')}</th>
                  <th scope="col">{t('admin.status')}</th>
                  <th scope="col">{t('sp.parent')}</th>
                  <th scope="col">{t('sp.placement')}</th>
                  <th scope="col">{t('sp.hosts')}</th>
                  <th scope="col">{t('admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {data.map((tenant) => (
                  <TenantRow key={tenant.slug} tenant={tenant} actions={actions} />
                ))}
              </tbody>
            </table>
            <NewTenantForm tenants={data} actions={actions} />
          </>
        )}
      </QueryView>
    </section>
  );
}
