import type { TicketSource, TicketType } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { auditCompanion } from '../../identity/audit.ts';
import { hasPermission } from '../../identity/permissions.ts';
import { createObject, findObject, inTransaction, listObjects, newObjectId, tenantOfNew, type Companion, type Row } from '../../tenancy/data-access.ts';
import type { ObjectTypeName } from '../../db/registry.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { sanitizeBody } from '../sanitize.ts';
import { addSystemEvent } from '../threads/add-system-event.ts';
import { checkCustomFields, parseCustomFieldDefinitions } from './custom-fields.ts';
import { applyFilters, parseFilterRules, type FilterOutcome, type TicketFilter } from './ticket-filters.ts';
import { toColumns, withTicketFieldNames } from './ticket-fields.ts';
import { assertAssignable } from './assignees.ts';
import { ticketNumbering } from './ticket-number.ts';
import { fillNumberSlots, NumberSlot } from '../../tenancy/insert-statement.ts';
import { resolveStatus } from './ticket-status.ts';
import { clockOnOpen } from '../../sla/ticket-sla.ts';
import { notifyAssignee } from '../../mail/queue-mail.ts';
import { emitWebhookEvent, ticketPayload } from '../../webhooks/webhook-events.ts';

export type CreateTicketInput = {
  tenantId?: number;
  subject: string;
  /** The first message, HTML; sanitised before it is stored. */
  body: string;
  type?: TicketType;
  source?: TicketSource;
  requesterId?: string;
  helpTopicId?: string;
  departmentId?: string;
  categoryId?: string;
  locationId?: string;
  priorityId?: string;
  urgencyId?: string;
  assigneeId?: string;
  teamId?: string;
  slaPlanId?: string;
  dueAt?: string;
  customFields?: Record<string, unknown>;
  tags?: string[];
  collaboratorIds?: string[];
  /** Kept with the first message (`thread_entries.data`): the email channel's facts about the mail. */
  firstEntryData?: Record<string, unknown>;
  /** Handed the first message as written, for a caller that goes on with it (the email channel's attachments). */
  onFirstEntry?: (entry: Row) => void;
};

/** Fields only agents set on a new ticket; a customer's ticket gets them from topics and filters. */
const AGENT_FIELDS = ['source', 'assigneeId', 'teamId', 'slaPlanId', 'dueAt', 'tags'] as const;

/**
 * Opens a ticket: help-topic defaults, then the tenant's ticket filters, then, in one unit of work,
 * the next number of the tenant, the ticket, its first message, its collaborators and the audit event.
 */
export async function createTicket(desk: DeskContext, input: CreateTicketInput): Promise<Row> {
  requireDeskPermission(desk, 'ticket.create');
  const body = sanitizeBody(input.body);
  if (!body) throw new AppError('VALIDATION_FAILED', 'The message is empty once unsafe HTML is removed.', 'body');
  return withTicketFieldNames(async () => {
    // Custom fields are checked against the help topic first; collaborators are rows of their own.
    const values = toColumns({ ...callerFields(desk, input), customFields: undefined });
    const tenantId = await tenantOfNew(desk, 'ticket', values);
    await assertAssignable(desk, tenantId, values.assignee_id);
    // One unit of work from the first read: its reads need no transactions of their own.
    return inTransaction(desk, async (tx) => {
      const customFields = await applyHelpTopic(tx, values, input);
      const outcome = await runFilters(tx, tenantId, values, input, body);
      if (outcome.rejectedBy) throw new AppError('TICKET_REJECTED', `This ticket was refused by the help desk's rule "${outcome.rejectedBy}".`);
      Object.assign(values, outcome.set);
      values.tags = [...new Set([...((values.tags as string[] | undefined) ?? []), ...outcome.tags])];
      const status = await resolveStatus(tx, tenantId, 'open');
      const clock = await clockOnOpen(tx, tenantId, values);
      // The number is taken by the ticket's own statement (no round trip of its own): in its slots below.
      const numbered = tenantId === null ? undefined : ticketNumbering(tx, tenantId);
      const number = numbered ? NumberSlot.value : null;
      const id = newObjectId('ticket');
      // The first message, the collaborators and the audit event go in the ticket's statement: one round trip.
      const firstEntry = { name: 'threadEntry' as const, values: { ticket_id: id, kind: 'reply', author_id: desk.actor.contactId, body_html: body, ...(input.firstEntryData ? { data: JSON.stringify(input.firstEntryData) } : {}) } };
      const collaborators = [...new Set(input.collaboratorIds ?? [])].map((contactId) => ({ name: 'ticketCollaborator' as const, values: { ticket_id: id, contact_id: contactId } }));
      const created = createdEvent(desk, tenantId as number, id, values.subject as string, numbered !== undefined);
      const ticketValues = { ...values, id, tenant_id: tenantId, number, status: status.state, status_id: status.id, custom_fields: JSON.stringify(customFields), ...clock };
      // A caller that goes on with the first message (the email channel) gets its row, written by a statement of its own.
      const ticket = await createObject(tx, 'ticket', ticketValues, { with: input.onFirstEntry ? [] : [firstEntry, ...collaborators, created], ...(numbered ? { numbered } : {}) });
      const audited = numbered ? { ...created, values: fillNumberSlots(created.values, ticket.number as string) } : created;
      if (input.onFirstEntry) input.onFirstEntry(await createObject(tx, firstEntry.name, firstEntry.values, { with: [...collaborators, audited] }));
      if (outcome.applied.length) await addSystemEvent(tx, ticket, null, { event: 'filters', applied: outcome.applied });
      // A rule's assignee is told as one assigned by hand is (update-ticket.ts), in this unit of work.
      if (outcome.set.assignee_id) await notifyAssignee(tx, ticket, desk.actor.contactId);
      await emitWebhookEvent(tx, ticket.tenant_id as number | null, 'ticket.created', { ticket: ticketPayload(ticket) });
      return ticket;
    }, tenantId);
  });
}

/** The audit event of a new ticket: its number (from the ticket's statement when numbered) and subject. */
function createdEvent(desk: DeskContext, tenantId: number, id: string, subject: string, numbered: boolean): Companion {
  const event = auditCompanion({ tenantId, actorContactId: desk.actor.contactId, action: 'ticket.created', objectType: 'ticket', objectId: id, data: { number: null, subject } });
  return numbered ? { ...event, values: { ...event.values, data: NumberSlot.inJson({ subject }, 'number') } } : event;
}

/** The input the caller may give: agents everything, customers their own tickets' basics. */
function callerFields(desk: DeskContext, input: CreateTicketInput): CreateTicketInput {
  if (hasPermission(desk.actor.activeRole, 'ticket.edit')) return input;
  for (const field of AGENT_FIELDS) {
    if (input[field] !== undefined) throw new AppError('FORBIDDEN', `Your active role may not set "${field}" on a new ticket.`, field);
  }
  if (input.requesterId !== undefined && input.requesterId !== desk.actor.contactId) {
    throw new AppError('FORBIDDEN', 'Your active role opens tickets in its own name only.', 'requesterId');
  }
  return { ...input, requesterId: desk.actor.contactId };
}

/**
 * Fills what the caller left out from the help topic (department, priority, SLA plan) and returns
 * the custom field values, checked against the topic's definitions.
 */
async function applyHelpTopic(desk: DeskContext, values: Row, input: CreateTicketInput): Promise<Record<string, unknown>> {
  const topic = input.helpTopicId ? await readReference(desk, 'helpTopic', input.helpTopicId, 'helpTopicId') : undefined;
  if (topic && !topic.active) throw new AppError('VALIDATION_FAILED', 'This help topic is no longer offered.', 'helpTopicId');
  for (const column of ['department_id', 'priority_id', 'sla_plan_id']) {
    if (values[column] === undefined && topic?.[column]) values[column] = topic[column];
  }
  return checkCustomFields(parseCustomFieldDefinitions(topic?.custom_fields ?? []), input.customFields ?? {});
}

/** A referenced object the use case needs to read; one the caller cannot see is an invalid reference. */
async function readReference(desk: DeskContext, name: ObjectTypeName, id: string, field: string): Promise<Row> {
  try {
    return await findObject(desk, name, id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw new AppError('TENANT_REFERENCE_INVALID', `${field} does not name a ${name} you may use here.`, field);
    throw error;
  }
}

async function runFilters(desk: DeskContext, tenantId: number | null, values: Row, input: CreateTicketInput, body: string): Promise<FilterOutcome> {
  if (tenantId === null) return { set: {}, tags: [], applied: [] };
  const stored = await listObjects(desk, 'ticketFilter', { where: { tenant_id: tenantId, active: true }, orderBy: 'position', limit: 200 });
  if (!stored.length) return { set: {}, tags: [], applied: [] };
  const requester = values.requester_id ? await readReference(desk, 'contact', values.requester_id as string, 'requesterId') : undefined;
  const filters = stored.map((f) => ({ ...f, rules: parseFilterRules(f.rules) }) as unknown as TicketFilter);
  return applyFilters(filters, {
    subject: input.subject,
    body: body.replace(/<[^>]*>/g, ' '),
    requesterEmail: (requester?.email as string | undefined) ?? null,
    source: (values.source as string | undefined) ?? 'web',
    type: (values.type as string | undefined) ?? 'incident',
    helpTopicId: input.helpTopicId ?? null,
  });
}
