/**
 * The one error type of TenantDesk. Domain code throws it with a code; `src/http/error-reply.ts`
 * maps the code to an HTTP status in one place. Messages are written for the person reading them.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  TENANT_REQUIRED: 400,
  TENANT_REFERENCE_INVALID: 400,
  /** A data partition's condition names a field its object type does not have; `field` names the row. */
  PARTITION_FIELD_UNKNOWN: 400,
  /** A data partition's condition uses an operator there is not; `field` names the row. */
  PARTITION_OPERATOR_UNKNOWN: 400,
  UNAUTHENTICATED: 401,
  TENANT_ACCESS_DENIED: 403,
  PUBLIC_WRITE_DENIED: 403,
  DATA_PARTITION_DENIED: 403,
  FORBIDDEN: 403,
  TENANT_SUSPENDED: 403,
  NOT_FOUND: 404,
  UNKNOWN_HOST: 404,
  CONFLICT: 409,
  /** A reply based on a thread that has grown since the writer saw it; sent again without `seenEntryId`, it goes. */
  TICKET_CHANGED: 409,
  /** A knowledge-base slug another article of the same tenant and language has (migration 0051). */
  SLUG_TAKEN: 409,
  TENANT_RULE_VIOLATION: 422,
  TENANT_IMMUTABLE: 422,
  /** A ticket filter refused an incoming ticket. */
  TICKET_REJECTED: 422,
  /** An Idempotency-Key sent again with another request. */
  IDEMPOTENCY_KEY_REUSED: 422,
  /** A public reply on a ticket with no requester: there is no customer to send it to. */
  REQUESTER_REQUIRED: 422,
  /** An assignee whose roles do not work the ticket's tenant (a customer, another tenant's contact). */
  ASSIGNEE_NOT_ELIGIBLE: 422,
  /** A satisfaction rating link past its expiry, or for a resolution the ticket has since left. */
  RATING_LINK_EXPIRED: 410,
  /** A satisfaction rating link whose resolution is rated already. */
  RATING_LINK_USED: 409,
  PAYLOAD_TOO_LARGE: 413,
  /** A tenant's quota (attachment storage) would be exceeded; the message names the quota. */
  QUOTA_EXCEEDED: 413,
  URI_TOO_LONG: 414,
  /** A request body in a coding we do not take (Content-Encoding: gzip...): never inflated. */
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  TENANT_MOVING: 503,
  /** This process cannot confirm its catalog snapshot is within the staleness bound (README): it refuses rather than guess. */
  CATALOG_STALE: 503,
  /** The database could not be reached or dropped the connection (a restart); retry shortly. */
  DATABASE_UNAVAILABLE: 503,
  /** The server is stopping (SIGTERM): a new request is refused while those in flight finish. */
  SHUTTING_DOWN: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.field = field;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toJSON(): { error: { code: ErrorCode; message: string; field?: string } } {
    return { error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) } };
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} was not found.`);

/**
 * Runs `work`, renaming the field of an AppError from a column name to the API name the caller
 * used (`department_id` -> `departmentId`), so an error names the very field that was sent.
 */
export async function withFieldNames<T>(fieldOfColumn: ReadonlyMap<string, string>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const field = error instanceof AppError && error.field ? fieldOfColumn.get(error.field) : undefined;
    if (!field) throw error;
    const appError = error as AppError;
    throw new AppError(appError.code, appError.message.replace(appError.field!, field), field);
  }
}
