import type { TicketState, TicketType } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { findObject, inTransaction, updateObject, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { addSystemEvent } from '../threads/add-system-event.ts';
import { checkCustomFields, parseCustomFieldDefinitions } from './custom-fields.ts';
import { toColumns, withTicketFieldNames } from './ticket-fields.ts';
import { resolveStatus } from './ticket-status.ts';
import { assertAssignable } from './assignees.ts';
import { requireTransition } from './ticket-transitions.ts';
import { clockOnChange } from '../../sla/ticket-sla.ts';
import { notifyAssignee } from '../../mail/queue-mail.ts';
import { notifyResolution } from '../../mail/resolution-mail.ts';
import { changedTicketFields, emitWebhookEvent, ticketPayload } from '../../webhooks/webhook-events.ts';

export type UpdateTicketInput = {
  subject?: string;
  type?: TicketType;
  /** A status slug: one of the four defaults or a status the tenant defined. */
  status?: string;
  requesterId?: string;
  helpTopicId?: string | null;
  departmentId?: string | null;
  categoryId?: string | null;
  locationId?: string | null;
  priorityId?: string | null;
  urgencyId?: string | null;
  assigneeId?: string | null;
  teamId?: string | null;
  slaPlanId?: string | null;
  dueAt?: string | null;
  tags?: string[];
  customFields?: Record<string, unknown>;
  mergedIntoId?: string;
};

/** Changes that appear in the thread as system events, by column. */
const EVENTS: Record<string, string> = { status_id: 'status', assignee_id: 'assignment', team_id: 'team-assignment', department_id: 'transfer', merged_into_id: 'merged' };

/**
 * Updates a ticket based on the version the caller read: a stale version is CONFLICT, never a lost
 * update (the write itself is conditional on the version, so a race loses too). Status, assignment
 * and department changes add system events; every change is audited with its old and new values.
 * An `implied` change is the desk's consequence of another permitted action, not the caller's own.
 */
export async function updateTicket(desk: DeskContext, id: string, input: UpdateTicketInput, expectedVersion: number, options: { implied?: boolean } = {}): Promise<Row> {
  return withTicketFieldNames(async () => {
    const current = await findObject(desk, 'ticket', id);
    if (current.version !== expectedVersion) throw stale(current);
    const patch = toColumns({ ...input, customFields: undefined });
    delete patch.status;
    if (input.status !== undefined) {
      const status = await resolveStatus(desk, current.tenant_id as number | null, input.status);
      Object.assign(patch, { status: status.state, status_id: status.id, closed_at: status.state === 'closed' ? (current.closed_at ?? new Date()) : null });
    }
    if (input.customFields !== undefined) patch.custom_fields = JSON.stringify(await checkedCustomFields(desk, current, patch, input.customFields));
    const changes = changedValues(current, patch);
    if (!Object.keys(changes).length) return current;
    // An implied change follows from an action the caller was allowed (a customer's reply reopening).
    if (!options.implied) requireChangePermissions(desk, current, patch, changes);
    if ('assignee_id' in changes) await assertAssignable(desk, current.tenant_id as number | null, patch.assignee_id);
    const changed = Object.fromEntries(Object.keys(changes).map((column) => [column, patch[column]]));
    // The SLA clocks move with the plan, priority, due date and state (src/sla/ticket-sla.ts).
    const clock = await clockOnChange(desk, current, changed);
    return inTransaction(desk, async (tx) => {
      const updated = await updateObject(tx, 'ticket', id, { ...changed, ...clock, version: expectedVersion + 1, updated_at: new Date() }, { expect: { version: expectedVersion } });
      for (const [column, event] of Object.entries(EVENTS)) {
        if (!(column in changes)) continue;
        // A status event reads as states (open -> pending); the status ids stay in the audit log.
        const change = column === 'status_id' ? { from: current.status, to: updated.status } : changes[column]!;
        await addSystemEvent(tx, updated, desk.actor.contactId, { event, ...change });
      }
      // The new assignee is told by mail (the tenant's assignment template), with the change.
      if ('assignee_id' in changes) await notifyAssignee(tx, updated, desk.actor.contactId);
      // A new resolution is told to the requester, with the link that rates it (decision 0135).
      await notifyResolution(tx, current, updated);
      await recordAuditInScope(tx, { tenantId: updated.tenant_id as number, actorContactId: desk.actor.contactId, action: 'ticket.updated', objectType: 'ticket', objectId: id, data: { version: updated.version, changes } });
      const tenantId = updated.tenant_id as number | null;
      await emitWebhookEvent(tx, tenantId, 'ticket.updated', { ticket: ticketPayload(updated), changed: changedTicketFields(Object.keys(changes)) });
      if ('status_id' in changes) await emitWebhookEvent(tx, tenantId, 'ticket.status_changed', { ticket: ticketPayload(updated), from: current.status, to: updated.status });
      return updated;
    }, current.tenant_id as number | null);
  });
}

function stale(current: Row): AppError {
  return new AppError('CONFLICT', `This ticket was changed meanwhile (it is at version ${current.version}): reload it and apply your change again.`, 'version');
}

/** A status change is its transition's permission (ticket-transitions.ts), assigning `ticket.assign`, anything else `ticket.edit`. */
function requireChangePermissions(desk: DeskContext, current: Row, patch: Row, changes: Record<string, unknown>): void {
  for (const column of Object.keys(changes)) {
    if (column === 'status' || column === 'closed_at') continue;
    if (column === 'status_id') requireTransition(desk, current.status as TicketState, patch.status as TicketState);
    else if (column === 'assignee_id' || column === 'team_id') requireDeskPermission(desk, 'ticket.assign');
    else requireDeskPermission(desk, 'ticket.edit');
  }
}

async function checkedCustomFields(desk: DeskContext, current: Row, patch: Row, values: Record<string, unknown>): Promise<Record<string, unknown>> {
  const topicId = 'help_topic_id' in patch ? patch.help_topic_id : current.help_topic_id;
  const topic = topicId ? await findObject(desk, 'helpTopic', topicId as string) : undefined;
  return checkCustomFields(parseCustomFieldDefinitions(topic?.custom_fields ?? []), values);
}

/** Comparable form of a stored or submitted value: dates as ISO text, JSON text parsed. */
function comparable(column: string, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date || ((column === 'due_at' || column === 'closed_at') && typeof value === 'string')) return JSON.stringify(new Date(value as string).toISOString());
  if (column === 'custom_fields' && typeof value === 'string') return JSON.stringify(JSON.parse(value));
  return JSON.stringify(value);
}

/** The columns `patch` really changes, with their old and new values (for events and the audit log). */
function changedValues(current: Row, patch: Row): Record<string, { from: unknown; to: unknown }> {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [column, value] of Object.entries(patch)) {
    if (comparable(column, current[column]) === comparable(column, value)) continue;
    changes[column] = { from: current[column] ?? null, to: column === 'custom_fields' ? JSON.parse(value as string) : value ?? null };
  }
  return changes;
}
