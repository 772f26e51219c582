import { AppError } from '../../errors.ts';
import { inSet } from '../../tenancy/access.ts';
import { isTimeZone, offsetAt, wallClock } from '../../sla/zoned-time.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';

/** What every report takes: a date range, a zone for its days, and an optional tenant. */
export type ReportQuery = {
  /** ISO-8601 with offset, or a date (midnight in `timeZone`); default: 30 days before `to`. */
  from?: string;
  /** Exclusive; default: now. */
  to?: string;
  /** IANA zone that dates and days are read in; default UTC. */
  timeZone?: string;
  tenantId?: number;
};

export type ReportRange = { from: Date; to: Date; timeZone: string };

const DAY_MS = 86_400_000;
const MAX_DAYS = 366;

/** The instant of local midnight of `date` (YYYY-MM-DD) in `timeZone`. */
function localMidnight(timeZone: string, date: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`);
  const guess = wall - offsetAt(timeZone, wall);
  return new Date(wall - offsetAt(timeZone, guess));
}

function instant(value: string, timeZone: string, field: string): Date {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? localMidnight(timeZone, value) : new Date(value);
  if (Number.isNaN(at.getTime())) throw new AppError('VALIDATION_FAILED', `${field} must be a date (YYYY-MM-DD) or a date-time with an offset.`, field);
  return at;
}

export function reportRange(query: ReportQuery, now = new Date()): ReportRange {
  const timeZone = query.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) throw new AppError('VALIDATION_FAILED', 'timeZone must be an IANA time zone such as Europe/Paris.', 'timeZone');
  const to = query.to ? instant(query.to, timeZone, 'to') : now;
  const from = query.from ? instant(query.from, timeZone, 'from') : new Date(to.getTime() - 30 * DAY_MS);
  if (from >= to) throw new AppError('VALIDATION_FAILED', '"from" must be before "to".', 'from');
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY_MS) throw new AppError('VALIDATION_FAILED', `A report covers at most ${MAX_DAYS} days.`, 'from');
  return { from, to, timeZone };
}

/** The local date (YYYY-MM-DD) of an instant in `timeZone`. */
export function localDate(timeZone: string, at: Date): string {
  return new Date(wallClock(timeZone, at.getTime())).toISOString().slice(0, 10);
}

/**
 * The context a report reads with: the caller's, checked for `report.read`, narrowed to `tenantId`
 * when one is given. Tenant boundary: narrowing only; a tenant outside the role's reads gives an
 * empty report, as a queue filtered on it gives an empty list.
 */
export function reportContext(desk: DeskContext, tenantId: number | undefined): DeskContext {
  requireDeskPermission(desk, 'report.read');
  if (tenantId === undefined) return desk;
  const read = inSet(desk.access.read, tenantId) ? [tenantId] : [];
  return { ...desk, access: { ...desk.access, read } };
}

/** Whether the report answers per tenant too: the role reads more than one tenant. */
export const readsSeveralTenants = (desk: DeskContext) => desk.access.read === 'all' || desk.access.read.length > 1;
