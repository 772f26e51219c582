import type { FastifyRequest } from 'fastify';
import type { DeskContext } from '../desk/desk-context.ts';
import { AppError } from '../errors.ts';
import type { Row } from '../tenancy/data-access.ts';

/** The desk context of an authenticated request: its tenancy context and its actor. */
export function deskOf(request: FastifyRequest): DeskContext {
  return { ...request.ctx, actor: request.actor };
}

const camelNames = new Map<string, string>();
/** `created_at` -> `createdAt`, remembered: a queue page renames the same few dozen columns on every row. */
const camel = (column: string): string => {
  let name = camelNames.get(column);
  if (name === undefined) camelNames.set(column, (name = column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())));
  return name;
};

/** A stored row as the API shows it: camelCase names, dates as ISO text, the tenant's slug beside its id. */
export function presentRow(request: FastifyRequest, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // for...in over a row as pg builds it (own enumerable properties only): no array of entries per row.
  for (const column in row) {
    // The generated search vector is the database's index material, not part of the object.
    if (column === 'search') continue;
    const value = row[column];
    out[camel(column)] = value instanceof Date ? value.toISOString() : value;
  }
  if ('tenant_id' in row) out.tenant = typeof row.tenant_id === 'number' ? (request.ctx.catalog.byId.get(row.tenant_id)?.slug ?? null) : null;
  return out;
}

/**
 * The version an update is based on: the `If-Match` header (`"3"`, `W/"3"` or `3`, as our ETags
 * are) or a `version` field of the body. An update without one could silently undo someone's change.
 */
export function expectedVersion(request: FastifyRequest, bodyVersion: number | undefined): number {
  const header = request.headers['if-match'];
  if (header !== undefined) {
    const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(String(header).trim());
    if (!match) throw new AppError('VALIDATION_FAILED', 'If-Match must carry the ticket version, e.g. "3".', 'If-Match');
    return Number(match[1]);
  }
  if (bodyVersion === undefined) throw new AppError('VALIDATION_FAILED', 'Say which version of the ticket this change is based on (If-Match header or "version").', 'version');
  return bodyVersion;
}
