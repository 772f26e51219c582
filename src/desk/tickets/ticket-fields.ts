import { withFieldNames } from '../../errors.ts';
import type { Row } from '../../tenancy/data-access.ts';

/**
 * The ticket fields callers set, by their API name, and the column each is stored in. Errors
 * raised by lower layers name columns; `withFieldNames` renames them so a caller reads back the
 * very field it sent.
 */
export const TICKET_FIELDS = {
  tenantId: 'tenant_id',
  subject: 'subject',
  type: 'type',
  source: 'source',
  requesterId: 'requester_id',
  helpTopicId: 'help_topic_id',
  departmentId: 'department_id',
  categoryId: 'category_id',
  locationId: 'location_id',
  priorityId: 'priority_id',
  urgencyId: 'urgency_id',
  assigneeId: 'assignee_id',
  teamId: 'team_id',
  slaPlanId: 'sla_plan_id',
  dueAt: 'due_at',
  tags: 'tags',
  customFields: 'custom_fields',
  statusId: 'status_id',
  mergedIntoId: 'merged_into_id',
} as const;

export type TicketField = keyof typeof TICKET_FIELDS;

const FIELD_OF_COLUMN = new Map<string, string>(Object.entries(TICKET_FIELDS).map(([field, column]) => [column, field]));

/** The columns of the fields present in `input` (undefined means "not given"). */
export function toColumns(input: Partial<Record<TicketField, unknown>>): Row {
  const row: Row = {};
  for (const [field, value] of Object.entries(input)) {
    if (value === undefined || !(field in TICKET_FIELDS)) continue;
    const column = TICKET_FIELDS[field as TicketField];
    row[column] = column === 'custom_fields' ? JSON.stringify(value) : value;
  }
  return row;
}

/** Runs `work` with errors naming ticket fields by their API name. */
export function withTicketFieldNames<T>(work: () => Promise<T>): Promise<T> {
  return withFieldNames(FIELD_OF_COLUMN, work);
}
