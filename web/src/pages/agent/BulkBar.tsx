import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useTicketStatuses } from '../../api/queries.ts';
import { useBulkAction, useEligibleAssignees, type BulkAction, type BulkResult } from '../../api/queue-tools-queries.ts';
import type { Me, Ticket } from '../../api/types.ts';
import { can } from '../../app/session.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { choiceOptions, Options } from '../../components/Options.tsx';
import { statusOptions } from '../../components/status-options.ts';
import { errorKey, useI18n } from '../../i18n/i18n.tsx';
import { en, type MessageKey } from '../../i18n/messages.ts';

type Kind = BulkAction['action'];

/**
 * The bar over the queue for its selected tickets: one action (assign, change status, merge into
 * one of them, close) applied to each, then each ticket's outcome. Tickets are sent at the version
 * they had when selected, so one changed since is reported, not changed blind. `onDone` gets the
 * results, so the queue keeps the refused tickets selected.
 */
export function BulkBar({ me, selected, onClear, onDone }: { me: Me; selected: Ticket[]; onClear(): void; onDone(results: BulkResult[]): void }) {
  const { t } = useI18n();
  const kinds: Kind[] = [...(can(me, 'ticket.assign') ? (['assign'] as const) : []), 'status', ...(can(me, 'ticket.edit') ? (['merge'] as const) : []), 'close'];
  const [kind, setKind] = useState<Kind>(kinds[0]!);
  const [value, setValue] = useState('');
  const bulk = useBulkAction();
  const [shown, setShown] = useState<{ results: BulkResult[]; tickets: Map<string, Ticket> } | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const action: BulkAction =
      kind === 'assign' ? { action: kind, assigneeId: value || null } : kind === 'status' ? { action: kind, status: value } : kind === 'merge' ? { action: kind, targetId: value } : { action: kind };
    const tickets = new Map(selected.map((ticket) => [ticket.id, ticket]));
    bulk.mutate(
      { tickets: selected, action },
      {
        onSuccess: (results) => {
          setShown({ results, tickets });
          onDone(results);
        },
      },
    );
  };
  // Assigning to nobody unassigns; a status and a merge target must be chosen.
  const ready = kind === 'close' || kind === 'assign' || value !== '';

  return (
    <section className="bulk-bar card" aria-labelledby="bulk-title">
      <h2 id="bulk-title" className="small-heading">
        {t('bulk.title')} <span className="muted" aria-live="polite">{t('bulk.selected', { n: selected.length })}</span>
      </h2>
      {selected.length === 0 ? (
        <p className="muted small">{t('bulk.noneSelected')}</p>
      ) : (
        <form className="bulk-form" onSubmit={submit}>
          <Field label={t('bulk.action')}>
            <select
              name="action"
              value={kind}
              onChange={(e) => {
                setKind(e.target.value as Kind);
                setValue('');
              }}
            >
              <Options items={kinds.map((k) => ({ value: k, label: t(`bulk.${k}`) }))} />
            </select>
          </Field>
          {kind === 'assign' && <AssigneeField me={me} selected={selected} value={value} onChange={setValue} />}
          {kind === 'status' && <StatusField selected={selected} value={value} onChange={setValue} />}
          {kind === 'merge' && (
            <Field label={t('bulk.target')} hint={t('bulk.targetHint')}>
              <select name="targetId" value={value} onChange={(e) => setValue(e.target.value)} required>
                <Options empty="—" items={selected.map((ticket) => ({ value: ticket.id, label: `${ticket.number ?? ''} · ${ticket.subject}` }))} />
              </select>
            </Field>
          )}
          <div className="actions">
            <button type="submit" className="button" disabled={!ready || bulk.isPending}>
              {t('bulk.apply', { n: selected.length })}
            </button>
            <button type="button" className="button secondary" onClick={onClear}>
              {t('bulk.clear')}
            </button>
          </div>
        </form>
      )}
      {bulk.isError && <ErrorMessage error={bulk.error} />}
      {shown && <BulkResults results={shown.results} tickets={shown.tickets} onDismiss={() => setShown(null)} />}
    </section>
  );
}

/**
 * Only people eligible for every selected ticket's tenant are offered (the API checks each again).
 * A tenant the role only reads has no assignees to offer: its tickets are refused one by one.
 */
function AssigneeField({ me, selected, value, onChange }: { me: Me; selected: Ticket[]; value: string; onChange(value: string): void }) {
  const { t } = useI18n();
  const writable = (tenant: string | null) => me.access.write === 'all' || tenant === null || me.access.write.includes(tenant);
  const eligible = useEligibleAssignees(
    selected.map((ticket) => ticket.tenant).filter(writable),
    can(me, 'ticket.assign'),
  );
  const none = eligible.data !== undefined && eligible.data.length === 0;
  return (
    <Field label={t('bulk.assignee')} {...(none ? { hint: t('bulk.noEligible') } : {})}>
      <select name="assigneeId" value={value} onChange={(e) => onChange(e.target.value)} disabled={eligible.isPending}>
        <Options empty={t('ticket.unassigned')} items={choiceOptions(eligible.data)} />
      </select>
    </Field>
  );
}

/** Public statuses, and a tenant's own only when every selected ticket is of that tenant. */
function StatusField({ selected, value, onChange }: { selected: Ticket[]; value: string; onChange(value: string): void }) {
  const { t } = useI18n();
  const statuses = useTicketStatuses();
  const usable = (statuses.data ?? []).filter((s) => s.tenant === null || selected.every((ticket) => ticket.tenant === s.tenant));
  return (
    <Field label={t('bulk.newStatus')}>
      <select name="status" value={value} onChange={(e) => onChange(e.target.value)} required>
        <Options empty="—" items={statusOptions(usable, (state) => t(`state.${state}`))} />
      </select>
    </Field>
  );
}

/** Each ticket's outcome, the refusals in plain words; announced once, as a whole. */
function BulkResults({ results, tickets, onDismiss }: { results: BulkResult[]; tickets: Map<string, Ticket>; onDismiss(): void }) {
  const { t } = useI18n();
  const failed = results.filter((r) => !r.ok).length;
  const reason = (error: NonNullable<BulkResult['error']>) => {
    // The codes a bulk result explains in its own words; the others have the general sentences.
    const own = `bulk.${error.code}`;
    return t(own in en ? (own as MessageKey) : (errorKey(error.code) ?? 'error.title'));
  };
  return (
    <div className="bulk-results" role="status" aria-labelledby="bulk-results-title">
      <h3 id="bulk-results-title">{t('bulk.results')}</h3>
      <p>
        {t('bulk.summary', { ok: results.length - failed, failed })} {failed > 0 && t('bulk.failedKeepSelected')}
      </p>
      <ul className="bulk-result-list">
        {results.map((result) => {
          const ticket = tickets.get(result.id);
          return (
            <li key={result.id} className={result.ok ? 'bulk-ok' : 'bulk-failed'} data-result={result.ok ? 'ok' : result.error?.code}>
              <Link to={`/tickets/${result.id}`}>{ticket ? `${ticket.number ?? ''} · ${ticket.subject}` : result.id}</Link>{' '}
              {result.ok ? (
                <span>{t('bulk.changed')}</span>
              ) : (
                <span>
                  <strong>{reason(result.error!)}</strong> <span className="muted">{result.error!.message}</span>
                </span>
              )}
            </li>
          );
        })}
      </ul>
      <button type="button" className="button secondary" onClick={onDismiss}>
        {t('bulk.dismiss')}
      </button>
    </div>
  );
}
