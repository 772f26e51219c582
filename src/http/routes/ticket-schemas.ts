/** JSON schemas of the ticket API: requests refuse unknown fields, answers list every field they carry. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const uuid = { type: 'string', pattern: UUID_PATTERN } as const;
export const nullableUuid = { type: ['string', 'null'], pattern: UUID_PATTERN } as const;
const nullableString = { type: ['string', 'null'] } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const TICKET_TYPES = ['incident', 'request', 'problem', 'change'] as const;
export const TICKET_SOURCES = ['web', 'email', 'api', 'phone'] as const;
export const TICKET_STATES = ['open', 'pending', 'resolved', 'closed'] as const;

export const idParams = { type: 'object', properties: { id: uuid }, required: ['id'], additionalProperties: false } as const;

const tags = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 50 }, maxItems: 50 } as const;
const customFields = { type: 'object', additionalProperties: true, maxProperties: 50 } as const;
const htmlBody = { type: 'string', minLength: 1, maxLength: 100_000 } as const;

export const ticketShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    number: nullableString,
    tenantId: { type: ['integer', 'null'] },
    tenant: nullableString,
    type: { type: 'string', enum: TICKET_TYPES },
    subject: { type: 'string' },
    status: { type: 'string', enum: TICKET_STATES },
    statusId: nullableString,
    requesterId: nullableString,
    assigneeId: nullableString,
    teamId: nullableString,
    departmentId: nullableString,
    categoryId: nullableString,
    locationId: nullableString,
    priorityId: nullableString,
    urgencyId: nullableString,
    helpTopicId: nullableString,
    slaPlanId: nullableString,
    dueAt: nullableDateTime,
    source: { type: 'string', enum: TICKET_SOURCES },
    customFields,
    tags: { type: 'array', items: { type: 'string' } },
    version: { type: 'integer' },
    mergedIntoId: nullableString,
    closedAt: nullableDateTime,
    // SLA clocks (src/sla/): due dates, first response, resolution, pause and breaches.
    firstResponseDueAt: nullableDateTime,
    resolutionDueAt: nullableDateTime,
    firstRespondedAt: nullableDateTime,
    resolvedAt: nullableDateTime,
    slaPausedAt: nullableDateTime,
    firstResponseBreachedAt: nullableDateTime,
    resolutionBreachedAt: nullableDateTime,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
} as const;

export const createTicketBody = {
  type: 'object',
  properties: {
    tenantId: { type: 'integer' },
    subject: { type: 'string', minLength: 1, maxLength: 500 },
    body: htmlBody,
    type: { type: 'string', enum: TICKET_TYPES },
    source: { type: 'string', enum: TICKET_SOURCES },
    requesterId: uuid,
    helpTopicId: uuid,
    departmentId: uuid,
    categoryId: uuid,
    locationId: uuid,
    priorityId: uuid,
    urgencyId: uuid,
    assigneeId: uuid,
    teamId: uuid,
    slaPlanId: uuid,
    dueAt: dateTime,
    customFields,
    tags,
    collaboratorIds: { type: 'array', items: uuid, maxItems: 50 },
  },
  required: ['subject', 'body'],
  additionalProperties: false,
} as const;

export const updateTicketBody = {
  type: 'object',
  properties: {
    version: { type: 'integer', minimum: 1 },
    subject: { type: 'string', minLength: 1, maxLength: 500 },
    type: { type: 'string', enum: TICKET_TYPES },
    status: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    requesterId: uuid,
    helpTopicId: nullableUuid,
    departmentId: nullableUuid,
    categoryId: nullableUuid,
    locationId: nullableUuid,
    priorityId: nullableUuid,
    urgencyId: nullableUuid,
    assigneeId: nullableUuid,
    teamId: nullableUuid,
    slaPlanId: nullableUuid,
    dueAt: nullableDateTime,
    tags,
    customFields,
  },
  additionalProperties: false,
} as const;

export const listTicketsQuery = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: TICKET_STATES },
    assignee: { anyOf: [{ type: 'string', enum: ['me', 'none'] }, uuid] },
    departmentId: uuid,
    priorityId: uuid,
    requesterId: uuid,
    overdue: { type: 'boolean', description: 'only tickets past a due date (or with a recorded SLA breach), open or pending' },
    q: { type: 'string', minLength: 1, maxLength: 200 },
    tenantId: { type: 'integer' },
    sort: { type: 'string', enum: ['created', 'updated', 'due', 'priority'], description: 'default created' },
    order: { type: 'string', enum: ['asc', 'desc'], description: 'default: desc for created, updated and priority; asc for due' },
    limit: { type: 'integer', minimum: 1, maximum: 200 },
    cursor: { type: 'string', maxLength: 200 },
  },
  additionalProperties: false,
} as const;

export const entryBody = {
  type: 'object',
  properties: {
    body: htmlBody,
    seenEntryId: { type: 'string', format: 'uuid', description: 'The newest thread entry the writer had seen: refused with 409 TICKET_CHANGED when others have written since.' },
  },
  required: ['body'],
  additionalProperties: false,
} as const;

export const threadEntryShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    ticketId: { type: 'string' },
    kind: { type: 'string', enum: ['reply', 'note', 'event'] },
    authorId: nullableString,
    bodyHtml: { type: 'string' },
    data: { type: 'object', additionalProperties: true },
    createdAt: dateTime,
  },
} as const;

export const versionBody = { type: 'object', properties: { version: { type: 'integer', minimum: 1 } }, additionalProperties: false } as const;

export const mergeBody = {
  type: 'object',
  properties: { targetId: uuid, version: { type: 'integer', minimum: 1 } },
  required: ['targetId'],
  additionalProperties: false,
} as const;

export const linkBody = {
  type: 'object',
  properties: { ticketId: uuid, kind: { type: 'string', enum: ['related', 'duplicate', 'caused-by'] } },
  required: ['ticketId'],
  additionalProperties: false,
} as const;

export const linkShape = {
  type: 'object',
  properties: { id: { type: 'string' }, ticketId: { type: 'string' }, linkedTicketId: { type: 'string' }, kind: { type: 'string' }, createdAt: dateTime },
} as const;

export const macroParams = { type: 'object', properties: { id: uuid, macroId: uuid }, required: ['id', 'macroId'], additionalProperties: false } as const;
