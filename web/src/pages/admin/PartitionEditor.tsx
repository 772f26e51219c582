import { useId } from 'react';
import { ApiError } from '../../api/client.ts';
import { errorKey, useI18n } from '../../i18n/i18n.tsx';
import {
  emptyPartition,
  emptyRow,
  OPERATORS,
  PLACEHOLDERS,
  rowOfErrorField,
  rowProblem,
  TICKET_FIELDS,
  type ConditionRow,
  type PartitionDraft,
} from './partition-drafts.ts';

type Props = { drafts: PartitionDraft[]; onChange: (drafts: PartitionDraft[]) => void; showProblems: boolean; serverError: unknown };

/** What is wrong with one row: its own check first, else the server's error when it names this row. */
function useRowMessage(serverError: unknown, showProblems: boolean) {
  const { t } = useI18n();
  const apiError = serverError instanceof ApiError ? serverError : undefined;
  const named = rowOfErrorField(apiError?.field);
  return (row: ConditionRow, p: number, r: number): string | null => {
    const problem = rowProblem(row);
    if (problem && showProblems) return t(problem);
    if (apiError && named?.partition === p && named.row === r) {
      const key = errorKey(apiError.code);
      return key ? `${t(key)} ${apiError.message}` : apiError.message;
    }
    return null;
  };
}

function ConditionLine({ row, n, onChange, onRemove, message }: { row: ConditionRow; n: number; onChange: (row: ConditionRow) => void; onRemove?: () => void; message: string | null }) {
  const { t } = useI18n();
  const id = useId();
  const none = row.op === 'is null' || row.op === 'is not null';
  return (
    <li className="partition-row">
      <label className="inline-field">
        <span>{t('roles.partition.field')}</span>
        <input list="partition-fields" value={row.field} aria-invalid={message ? true : undefined} aria-describedby={message ? `${id}-msg` : undefined} onChange={(e) => onChange({ ...row, field: e.target.value })} />
      </label>
      <label className="inline-field">
        <span>{t('roles.partition.operator')}</span>
        <select value={row.op} onChange={(e) => onChange({ ...row, op: e.target.value })}>
          {!(OPERATORS as readonly string[]).includes(row.op) && <option value={row.op}>{row.op}</option>}
          {OPERATORS.map((op) => (
            <option key={op} value={op}>
              {op}
            </option>
          ))}
        </select>
      </label>
      {!none && (
        <label className="inline-field">
          <span>{t('roles.partition.value')}</span>
          <input list="partition-values" value={row.text} onChange={(e) => onChange({ ...row, text: e.target.value })} />
        </label>
      )}
      {onRemove && (
        <button type="button" className="button secondary" onClick={onRemove}>
          {t('roles.partition.removeCondition', { n })}
        </button>
      )}
      {message && (
        <p id={`${id}-msg`} className="field-error" role="alert">
          {message}
        </p>
      )}
    </li>
  );
}

/** A role's data partitions as rows of field, operator and value; each partition is an "or" of its rows. */
export function PartitionEditor({ drafts, onChange, showProblems, serverError }: Props) {
  const { t } = useI18n();
  const messageOf = useRowMessage(serverError, showProblems);
  const setDraft = (i: number, draft: PartitionDraft) => onChange(drafts.map((d, k) => (k === i ? draft : d)));
  return (
    <fieldset className="partitions">
      <legend>{t('roles.partitions')}</legend>
      <p className="hint">{t('roles.partitionsHint')}</p>
      <datalist id="partition-fields">
        {TICKET_FIELDS.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      <datalist id="partition-values">
        {PLACEHOLDERS.map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
      {drafts.map((d, i) => (
        <fieldset key={i} className="partition">
          <legend>{t('roles.partition.legend', { n: i + 1 })}</legend>
          <label className="inline-field">
            <span>{t('roles.partition.type')}</span>
            <input value={d.type} onChange={(e) => setDraft(i, { ...d, type: e.target.value })} />
          </label>
          <ol>
            {d.rows.map((row, r) => (
              <ConditionLine
                key={r}
                row={row}
                n={r + 1}
                message={messageOf(row, i, r)}
                onChange={(next) => setDraft(i, { ...d, rows: d.rows.map((x, k) => (k === r ? next : x)) })}
                {...(d.rows.length > 1 ? { onRemove: () => setDraft(i, { ...d, rows: d.rows.filter((_, k) => k !== r) }) } : {})}
              />
            ))}
          </ol>
          <button type="button" className="button secondary" onClick={() => setDraft(i, { ...d, rows: [...d.rows, emptyRow()] })}>
            {t('roles.partition.addCondition')}
          </button>{' '}
          <button type="button" className="button secondary" onClick={() => onChange(drafts.filter((_, k) => k !== i))}>
            {t('roles.partition.remove', { n: i + 1 })}
          </button>
        </fieldset>
      ))}
      <button type="button" className="button secondary" onClick={() => onChange([...drafts, emptyPartition()])}>
        {t('roles.partition.add')}
      </button>
    </fieldset>
  );
}
