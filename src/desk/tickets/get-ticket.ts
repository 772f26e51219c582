import { findObject, type Row } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';

/** One ticket the caller may read; another tenant's, or one outside its partitions, is NOT_FOUND. */
export function getTicket(desk: DeskContext, id: string): Promise<Row> {
  return findObject(desk, 'ticket', id);
}
