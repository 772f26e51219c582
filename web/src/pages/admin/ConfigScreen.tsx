import { useState, type FormEvent } from 'react';
import { useConfigActions, useConfigList, useChoices, useTicketStatuses } from '../../api/queries.ts';
import { useConfigUpdate } from '../../api/admin-queries.ts';
import type { ConfigItem, Me } from '../../api/types.ts';
import { can } from '../../app/session.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { textToHtml } from '../../components/html.ts';
import { Options, choiceOptions } from '../../components/Options.tsx';
import { statusOptions } from '../../components/status-options.ts';
import { publicName } from '../../i18n/choice-words.ts';
import type { MessageKey } from '../../i18n/messages.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { FormFooter, SaveOrCancel, RowAccess, TenantField, TenantTag, mayChange, useTenantChoice } from './AdminParts.tsx';
import { QueryView } from '../../components/QueryView.tsx';

/** `status`: a ticket status slug to set (macros); `flag`: a yes/no checkbox, always sent. */
type InputKind = 'text' | 'minutes' | 'longtext' | 'parentCategory' | 'status' | 'flag';
export type ConfigField = { name: string; label: MessageKey; input: InputKind; required: boolean };
export type ConfigResource = { path: string; title: MessageKey; label: string; fields: ConfigField[]; deletable?: false };

/** Public rows first, then by tenant, then alphabetically. */
const sortByTenant = (items: ConfigItem[]) => [...items].sort((a, b) => (a.tenant ?? '').localeCompare(b.tenant ?? '') || String(a.name ?? a.title).localeCompare(String(b.name ?? b.title)));

/** The form's text values as the API wants them; empty optional values are left out. */
function bodyOf(fields: ConfigField[], values: Record<string, string>, editing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of fields) {
    const value = (values[field.name] ?? '').trim();
    if (field.input === 'flag') {
      body[field.name] = value === 'true';
      continue;
    }
    if (!value) {
      if (editing && (field.input === 'parentCategory' || field.input === 'status')) body[field.name] = null;
      continue;
    }
    body[field.name] = field.input === 'minutes' ? Number(value) : field.input === 'longtext' ? textToHtml(value) : value;
  }
  return body;
}

/** A category's possible parents: exactly what the reference rules allow for the tenant it is in. */
// `id` is the one Field gives its control, so that the label names the select.
function ParentCategoryInput({ id, tenant, items, value, onChange, exclude }: { id?: string; tenant: string | null; items: ConfigItem[]; value: string; onChange: (v: string) => void; exclude?: string }) {
  const { t } = useI18n();
  const choices = useChoices('category', 'parent_id', tenant, tenant !== null);
  // A public category may only have a public parent.
  const options = tenant === null ? items.filter((i) => i.tenant === null).map((i) => ({ value: i.id, label: publicName(t, String(i.name)) })) : choiceOptions(choices.data);
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <Options empty={t('admin.none')} items={options.filter((o) => o.value !== exclude)} />
    </select>
  );
}

/** A ticket status to set, by slug, or none. */
function StatusInput({ id, value, onChange }: { id?: string; value: string; onChange: (v: string) => void }) {
  const { t } = useI18n();
  const statuses = useTicketStatuses();
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <Options empty="—" items={statusOptions(statuses.data ?? [], (state) => t(`state.${state}`))} />
    </select>
  );
}

function Inputs({ fields, values, setValues, tenant, items, exclude }: { fields: ConfigField[]; values: Record<string, string>; setValues: (v: Record<string, string>) => void; tenant: string | null; items: ConfigItem[]; exclude?: string }) {
  const { t } = useI18n();
  const set = (name: string) => (value: string) => setValues({ ...values, [name]: value });
  return (
    <>
      {fields.map((field) => (
        <Field key={field.name} label={t(field.label)}>
          {field.input === 'longtext' ? (
            <textarea required={field.required} rows={4} value={values[field.name] ?? ''} onChange={(e) => set(field.name)(e.target.value)} />
          ) : field.input === 'status' ? (
            <StatusInput value={values[field.name] ?? ''} onChange={set(field.name)} />
          ) : field.input === 'flag' ? (
            <input type="checkbox" checked={values[field.name] === 'true'} onChange={(e) => set(field.name)(String(e.target.checked))} />
          ) : field.input === 'parentCategory' ? (
            <ParentCategoryInput tenant={tenant} items={items} value={values[field.name] ?? ''} onChange={set(field.name)} {...(exclude ? { exclude } : {})} />
          ) : (
            <input
              type={field.input === 'minutes' ? 'number' : 'text'}
              min={field.input === 'minutes' ? 1 : undefined}
              required={field.required}
              value={values[field.name] ?? ''}
              onChange={(e) => set(field.name)(e.target.value)}
            />
          )}
        </Field>
      ))}
    </>
  );
}

/** One row changed in place: its editable fields (not long texts, kept as written) and Save. */
function EditRow({ resource, item, items, onDone }: { resource: ConfigResource; item: ConfigItem; items: ConfigItem[]; onDone: () => void }) {
  const { t } = useI18n();
  const update = useConfigUpdate(resource.path);
  const fields = resource.fields.filter((f) => f.input !== 'longtext');
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(fields.map((f) => [f.name, item[f.name] == null ? '' : String(item[f.name])])));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ id: item.id, body: bodyOf(fields, values, true) }, { onSuccess: onDone });
  };
  return (
    <form className="form edit-row" onSubmit={submit} aria-label={t('admin.editing', { name: String(item[resource.label] ?? '') })}>
      <Inputs fields={fields} values={values} setValues={setValues} tenant={item.tenant} items={items} exclude={item.id} />
      <SaveOrCancel mutation={update} onCancel={onDone} />
    </form>
  );
}

/** A configuration resource: its rows (public ones marked), each editable where the role may, and a create form. */
export function ConfigScreen({ me, resource }: { me: Me; resource: ConfigResource }) {
  const { t } = useI18n();
  const list = useConfigList(resource.path);
  const { create, remove } = useConfigActions(resource.path);
  const mayWrite = can(me, 'admin.tenant');
  const choice = useTenantChoice(me);
  const [values, setValues] = useState<Record<string, string>>({});
  const [editing, setEditing] = useState<string | null>(null);
  const items = list.data ?? [];
  // The tenant a new row goes to: the one chosen, or the only one the role writes.
  const newTenant = choice.several ? choice.tenant || null : me.access.write === 'all' ? null : (me.access.write[0] ?? null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const body = bodyOf(resource.fields, values, false);
    if (choice.several) body.tenantId = choice.tenantId ?? null;
    create.mutate(body, { onSuccess: () => setValues({}) });
  };

  return (
    <section>
      <h2>{t(resource.title)}</h2>
      <p className="muted small">{t('admin.publicHint')}</p>
      {resource.deletable === false && <p className="muted small">{t('admin.keptNotDeleted')}</p>}
      <QueryView query={list} isEmpty={() => items.length === 0} empty={<p className="empty">{t('admin.empty')}</p>}>
        {(data) => (
          <ul className="config-list">
            {sortByTenant(items).map((item) => {
              const label = publicName(t, String(item[resource.label] ?? ''), item.tenant);
              return (
                <li key={item.id} className={editing === item.id ? 'editing' : undefined}>
                  <span>{label}</span>
                  <TenantTag tenant={item.tenant} />
                  <RowAccess me={me} mayWrite={mayWrite} tenant={item.tenant} label={label} onEdit={() => setEditing(editing === item.id ? null : item.id)} />
                  {resource.deletable !== false && mayChange(me, mayWrite, item.tenant) && (
                    <button type="button" className="button danger small" onClick={() => window.confirm(`${t('actions.delete')}: ${label}?`) && remove.mutate(item.id)} disabled={remove.isPending}>
                      {t('actions.delete')}
                    </button>
                  )}
                  {editing === item.id && <EditRow resource={resource} item={item} items={items} onDone={() => setEditing(null)} />}
                </li>
              );
            })}
          </ul>
        )}
      </QueryView>
      {remove.isError && <ErrorMessage error={remove.error} />}
      {mayWrite ? (
        <form className="card form" onSubmit={submit}>
          <h3>{t('admin.new')}</h3>
          <TenantField choice={choice} empty={t('admin.public')} required={false} />
          <Inputs fields={resource.fields} values={values} setValues={setValues} tenant={newTenant} items={items} />
          <FormFooter mutation={create} />
        </form>
      ) : (
        <p className="muted">{t('admin.readOnly')}</p>
      )}
    </section>
  );
}
