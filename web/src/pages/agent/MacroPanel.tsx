import { useState, type FormEvent } from 'react';
import { useApplyMacro } from '../../api/desk-queries.ts';
import { useConfigList } from '../../api/queries.ts';
import type { Ticket } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { Options } from '../../components/Options.tsx';
import { useI18n } from '../../i18n/i18n.tsx';

/** One click: a macro's reply and changes applied to the ticket at once (decision 0122). */
export function MacroPanel({ ticket }: { ticket: Ticket }) {
  const { t } = useI18n();
  const macros = useConfigList('macros');
  const apply = useApplyMacro(ticket.id);
  const [macroId, setMacroId] = useState('');
  const usable = (macros.data ?? []).filter((m) => m.tenantId === null || m.tenant === ticket.tenant);
  if (!usable.length) return null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (macroId) apply.mutate({ macroId, version: ticket.version }, { onSuccess: () => setMacroId('') });
  };
  return (
    <form className="card form" onSubmit={submit} aria-label={t('macro.title')}>
      <Field label={t('macro.title')}>
        <select value={macroId} onChange={(e) => setMacroId(e.target.value)} required>
          <Options empty="—" items={usable.map((m) => ({ value: m.id, label: String(m.name) }))} />
        </select>
      </Field>
      {apply.isError && <ErrorMessage error={apply.error} />}
      <button type="submit" className="button" disabled={apply.isPending || !macroId}>
        {t('macro.apply')}
      </button>
    </form>
  );
}
