import { useState } from 'react';
import { useReadableTenants } from '../../api/queries.ts';
import type { Me } from '../../api/types.ts';
import { writesSeveralTenants } from '../../app/session.ts';
import { ErrorMessage, Notice } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { Options, tenantOptions } from '../../components/Options.tsx';
import { useI18n } from '../../i18n/i18n.tsx';

/** What a mutation shows the person: its error, or that it worked. */
export type MutationView = { isError: boolean; error: Error | null; isSuccess: boolean; isPending: boolean };

/** Which tenant a new row is for, when the role writes several: a choice, or none for a public row. */
export function useTenantChoice(me: Me) {
  const several = writesSeveralTenants(me);
  const tenants = useReadableTenants(several);
  const [tenant, setTenant] = useState('');
  const writable = (tenants.data ?? []).filter((x) => x.writable);
  return { several, tenants: writable, tenant, setTenant, tenantId: writable.find((x) => x.slug === tenant)?.id };
}

/** What went wrong or right with a change. */
export function Outcome({ mutation, done }: { mutation: MutationView; done: string }) {
  return (
    <>
      {mutation.isError && <ErrorMessage error={mutation.error} />}
      {mutation.isSuccess && <Notice>{done}</Notice>}
    </>
  );
}

/** The end of every form: the outcome and the button. */
export function FormFooter({ mutation, label, done }: { mutation: MutationView; label?: string; done?: string }) {
  const { t } = useI18n();
  return (
    <>
      <Outcome mutation={mutation} done={done ?? t('admin.created')} />
      <button type="submit" className="button" disabled={mutation.isPending}>
        {label ?? t('actions.create')}
      </button>
    </>
  );
}

/** An edit form's buttons: save (with its outcome) and cancel. */
export function SaveOrCancel({ mutation, onCancel }: { mutation: MutationView; onCancel: () => void }) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <FormFooter mutation={mutation} label={t('actions.save')} done={t('admin.saved')} />
      <button type="button" className="button secondary" onClick={onCancel}>
        {t('actions.cancel')}
      </button>
    </div>
  );
}

/** The tenant a new row is for; shown only to a role that writes several tenants. */
export function TenantField({ choice, empty, required }: { choice: ReturnType<typeof useTenantChoice>; empty: string; required: boolean }) {
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

/** A row's tenant, or "Public" for a shared row. */
export function TenantTag({ tenant }: { tenant: string | null }) {
  const { t } = useI18n();
  return tenant ? <span className="tag">{tenant}</span> : <span className="tag tag-public">{t('admin.public')}</span>;
}

/** Whether the active role may change a row: its own tenant's rows with admin rights; public ones only if it writes public objects. */
export const mayChange = (me: Me, mayWrite: boolean, tenant: string | null) => mayWrite && (tenant !== null || me.access.writePublic);

/** A row's edit or read-only marker: public rows stay read-only unless the role writes public objects. */
export function RowAccess({ me, mayWrite, tenant, onEdit, label }: { me: Me; mayWrite: boolean; tenant: string | null; onEdit: () => void; label: string }) {
  const { t } = useI18n();
  if (mayChange(me, mayWrite, tenant)) {
    return (
      <button type="button" className="button secondary small" onClick={onEdit} aria-label={t('admin.editing', { name: label })}>
        {t('actions.edit')}
      </button>
    );
  }
  return tenant === null ? <span className="muted small">{t('admin.readOnlyPublic')}</span> : null;
}
