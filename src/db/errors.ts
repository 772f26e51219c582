import { AppError } from '../errors.ts';
import { DatabaseUnavailableError } from './database.ts';

/** The SQLSTATE of a write refused by its placement fence (migration 0030). */
export const FENCE_REFUSED = 'TD002';

type PgError = { code?: unknown; constraint?: unknown; column?: unknown; detail?: unknown; message?: unknown };

/**
 * Turns a PostgreSQL error caused by input into an AppError. The database's own message and detail
 * are never passed on: they can echo values (`Key (email)=(...)`), including another tenant's.
 */
export function mapDatabaseError(error: unknown): AppError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { code, constraint, column, detail } = error as PgError;
  const key = keyColumnsOf(detail);
  const field = typeof column === 'string' ? column : key ? (key.length === 1 ? key[0] : undefined) : fieldOf(constraint);
  switch (code) {
    case '23505':
      return new AppError('CONFLICT', 'An object with these values already exists.', field);
    case '23503':
      return new AppError('TENANT_REFERENCE_INVALID', 'A referenced object does not exist or may not be referenced here.', field);
    case '23502':
      return new AppError('VALIDATION_FAILED', 'A required value is missing.', field);
    case '23514':
    case '22001':
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
      return new AppError('VALIDATION_FAILED', 'A value is not valid here.', field);
    case '22021':
    case '22P05':
      // A NUL character (U+0000), which PostgreSQL text and jsonb cannot hold, sent in any field.
      return new AppError('VALIDATION_FAILED', 'Text may not contain the NUL character (U+0000).', field);
    case '42501':
      return new AppError('TENANT_ACCESS_DENIED', 'Your active role may not write this object.');
    case FENCE_REFUSED:
      // The write was routed by a map older than a move of its tenant (migration 0030): nothing was written.
      return new AppError('TENANT_MOVING', 'This tenant is being moved to another database; changes are paused for a few seconds. Try again shortly.');
    case 'TD001':
      return new AppError('TENANT_IMMUTABLE', 'The tenant of an object cannot change.', 'tenant_id');
    default:
      return undefined;
  }
}

// Constraint names follow `<table>_<column>_<kind>`; the column part is safe to show.
/**
 * The columns a key names besides the tenant (`Key (tenant_id, slug)=(…)`): the field when there is
 * one, none when there are several. A constraint's name is no field when its table's name has
 * several words. Only the column names are read from the detail, never its values.
 */
function keyColumnsOf(detail: unknown): string[] | undefined {
  if (typeof detail !== 'string') return undefined;
  return /^Key \(([a-z_, ]+)\)=/.exec(detail)?.[1]?.split(',').map((c) => c.trim()).filter((c) => c !== 'tenant_id');
}

function fieldOf(constraint: unknown): string | undefined {
  if (typeof constraint !== 'string') return undefined;
  const match = /^[a-z]+_([a-z_]+?)_(fkey|key|check|not_null)$/.exec(constraint);
  return match?.[1];
}

// Node's socket errors and pg's own messages for a connection that failed, ended or timed out.
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const CONNECTION_MESSAGES = /Connection terminated|not queryable|timeout exceeded when trying to connect|connection timeout/i;

/**
 * Whether an error means the database could not be reached, or dropped the connection (a restart,
 * a failover, a network cut), rather than refused the statement: SQLSTATE class 08 (connection
 * exception), 57P01-57P03 (terminated by an administrator or a crash; starting up or shutting down),
 * or a socket error. Such a request may succeed when retried; it is answered 503, never 500.
 */
export function isConnectionError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  if (error instanceof DatabaseUnavailableError) return true;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code) || CONNECTION_ERRNOS.has(code))) return true;
  // An AggregateError (every address of a host refused) carries the socket errors inside.
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return typeof message === 'string' && CONNECTION_MESSAGES.test(message);
}
