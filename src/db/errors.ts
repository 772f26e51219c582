import { AppError } from '../errors.ts';

type PgError = { code?: unknown; constraint?: unknown; column?: unknown; message?: unknown };

/**
 * Turns a PostgreSQL error caused by input into an AppError. The database's own message and detail
 * are never passed on: they can echo values (`Key (email)=(...)`), including another tenant's.
 */
export function mapDatabaseError(error: unknown): AppError | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { code, constraint, column } = error as PgError;
  const field = typeof column === 'string' ? column : fieldOf(constraint);
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
    case '42501':
      return new AppError('TENANT_ACCESS_DENIED', 'Your active role may not write this object.');
    case 'TD001':
      return new AppError('TENANT_IMMUTABLE', 'The tenant of an object cannot change.', 'tenant_id');
    default:
      return undefined;
  }
}

// Constraint names follow `<table>_<column>_<kind>`; the column part is safe to show.
function fieldOf(constraint: unknown): string | undefined {
  if (typeof constraint !== 'string') return undefined;
  const match = /^[a-z]+_([a-z_]+?)_(fkey|key|check|not_null)$/.exec(constraint);
  return match?.[1];
}
