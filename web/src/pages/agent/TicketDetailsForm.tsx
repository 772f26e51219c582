import { useState, type FormEvent } from 'react';
import type { UseMutationResult } from '@tanstack/react-query';
import { useChoices, useTicketStatuses } from '../../api/queries.ts';
import type { Choice, Me, Ticket, TicketStatus } from '../../api/types.ts';
import { can } from '../../app/session.ts';
import { ErrorMessage, Notice } from '../../components/ErrorMessage.tsx';
import { QueryView } from '../../components/QueryView.tsx';
import { Field } from '../../components/Field.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { choiceOptions, Options } from '../../components/Options.tsx';
import { statusOptions } from '../../components/status-options.ts';
import { dateWords } from '../../i18n/date-words.ts';
import { DateInput } from '../../components/DateInput.tsx';

type Update = UseMutationResult<Ticket, Error, { version: number } & Record<string, unknown>>;

/** Status, priority, assignee and department of a ticket; one PATCH based on the version shown. */
export function TicketDetailsForm(props: { me: Me; ticket: Ticket; update: Update }) {
  const statuses = useTicketStatuses();
  // A new version from the server (someone else's change, or ours) starts the form afresh.
  return <QueryView query={statuses}>{(data) => <DetailsForm key={props.ticket.version} {...props} statuses={data} />}</QueryView>;
}

function DetailsForm({ me, ticket, update, statuses }: { me: Me; ticket: Ticket; update: Update; statuses: TicketStatus[] }) {
  const { t, language } = useI18n();
  const tenant = ticket.tenant ?? undefined;
  const priorities = useChoices('ticket', 'priority_id', tenant);
  const assignees = useChoices('ticket', 'assignee_id', tenant, can(me, 'ticket.assign'));
  const departments = useChoices('ticket', 'department_id', tenant);
  const currentStatus = statuses.find((s) => s.id === ticket.statusId)?.slug ?? ticket.status;
  const initial = { status: currentStatus, priorityId: ticket.priorityId ?? '', assigneeId: ticket.assigneeId ?? '', departmentId: ticket.departmentId ?? '', dueAt: localInput(ticket.dueAt) };
  const [form, setForm] = useState(initial);
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });

  /** What the form changes from the ticket as shown. */
  const edits = () => {
    const changes: Record<string, unknown> = {};
    if (form.status !== initial.status) changes.status = form.status;
    for (const name of ['priorityId', 'assigneeId', 'departmentId'] as const) if (form[name] !== initial[name]) changes[name] = form[name] || null;
    if (form.dueAt !== initial.dueAt) changes.dueAt = form.dueAt ? new Date(form.dueAt).toISOString() : null;
    return changes;
  };
  const save = (changes: Record<string, unknown>) => {
    update.mutate({ version: ticket.version, ...changes });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const changes = edits();
    if (Object.keys(changes).length) save(changes);
  };
  // The ticket's new version restarts the form, so assigning alone would throw away unsaved edits:
  // they are saved with the assignment, and the button says so.
  const unsaved = Object.keys(edits()).some((name) => name !== 'assigneeId');

  const options = (choices: Choice[] | undefined, current: string) => {
    const list = choiceOptions(choices);
    // A value set elsewhere that this role cannot list stays selectable, so saving keeps it.
    return current && !list.some((c) => c.value === current) ? [{ value: current, label: '…' }, ...list] : list;
  };

  return (
    <form className="card form details" onSubmit={submit}>
      <Field label={t('ticket.status')}>
        <select name="status" value={form.status} onChange={set('status')}>
          {/* The current status, and those its role may move the ticket to (one permission per transition), in workflow order. */}
          <Options items={statusOptions(statuses.filter((s) => s.slug === currentStatus || can(me, `ticket.status.${ticket.status}.${s.state}`)), (state) => t(`state.${state}`))} />
        </select>
      </Field>
      <Field label={t('ticket.priority')}>
        <select name="priorityId" value={form.priorityId} onChange={set('priorityId')}>
          <Options empty={t('ticket.none')} items={options(priorities.data, form.priorityId)} />
        </select>
      </Field>
      {can(me, 'ticket.assign') && (
        <Field label={t('ticket.assignee')}>
          <select name="assigneeId" value={form.assigneeId} onChange={set('assigneeId')}>
            <Options empty={t('ticket.unassigned')} items={options(assignees.data, form.assigneeId)} />
          </select>
        </Field>
      )}
      <Field label={t('ticket.department')}>
        <select name="departmentId" value={form.departmentId} onChange={set('departmentId')}>
          <Options empty={t('ticket.none')} items={options(departments.data, form.departmentId)} />
        </select>
      </Field>
      {can(me, 'ticket.edit') && (
        <Field label={t('ticket.dueAt')} hint={[dateWords(form.dueAt, language), t('ticket.dueHint')].filter(Boolean).join(' — ')}>
          <DateInput withTime name="dueAt" value={form.dueAt} onChange={(dueAt) => setForm({ ...form, dueAt })} />
        </Field>
      )}
      {update.isError && <ErrorMessage error={update.error} />}
      {update.isSuccess && <Notice>{t('ticketView.updated')}</Notice>}
      <div className="actions">
        <button type="submit" className="button" disabled={update.isPending}>
          {t('actions.save')}
        </button>
        {can(me, 'ticket.assign') && ticket.assigneeId !== me.contact.id && (
          <button type="button" className="button secondary" data-shortcut="assign-me" disabled={update.isPending} onClick={() => save({ ...edits(), assigneeId: me.contact.id })}>
            {unsaved ? t('actions.assignMeAndSave') : t('actions.assignMe')}
          </button>
        )}
      </div>
    </form>
  );
}

/** An instant as the value of a datetime-local input, in the browser's zone ('' for none). */
function localInput(iso: string | null): string {
  if (!iso) return '';
  const at = new Date(iso);
  const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
