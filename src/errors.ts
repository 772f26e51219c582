/**
 * The one error type of TenantDesk. Domain code throws it with a code; `src/http/error-reply.ts`
 * maps the code to an HTTP status in one place. Messages are written for the person reading them.
 */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  TENANT_REQUIRED: 400,
  TENANT_REFERENCE_INVALID: 400,
  UNAUTHENTICATED: 401,
  TENANT_ACCESS_DENIED: 403,
  PUBLIC_WRITE_DENIED: 403,
  DATA_PARTITION_DENIED: 403,
  FORBIDDEN: 403,
  TENANT_SUSPENDED: 403,
  NOT_FOUND: 404,
  UNKNOWN_HOST: 404,
  CONFLICT: 409,
  TENANT_RULE_VIOLATION: 422,
  TENANT_IMMUTABLE: 422,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
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
