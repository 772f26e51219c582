import { createObject, type Row } from '../../tenancy/data-access.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import type { KbReader } from './kb-reader.ts';

export type KbEvent =
  | { kind: 'view'; article: Row }
  | { kind: 'feedback'; article: Row; helpful: boolean }
  | { kind: 'deflection'; article: Row; query?: string }
  | { kind: 'search'; query: string; results: number };

/**
 * Counts what a reader did, in the tenant whose host they read at: the reports of that tenant (and
 * the service provider's across tenants) are made of these rows. An article read at a host it does
 * not belong to or come down to (the service provider's staff browsing a tenant's articles) is not
 * a reader's view of that tenant, and is not counted.
 */
export async function recordKbEvent(reader: KbReader, event: KbEvent): Promise<boolean> {
  const host = reader.hostTenantId;
  const article = 'article' in event ? event.article : undefined;
  const articleTenant = article?.tenant_id as number | null | undefined;
  if (article && articleTenant !== null && !reader.ctx.catalog.supertenants(host).includes(articleTenant!)) return false;
  // Tenant boundary: the event is written to the host's tenant alone, whoever reads.
  const counter: TenancyContext = { ...reader.ctx, access: { read: [host], write: [host], writePublic: false } };
  const values: Row = { tenant_id: host, kind: event.kind };
  if (article) values.article_id = article.id;
  if ('query' in event && event.query) values.query = event.query.slice(0, 200);
  if (event.kind === 'search') values.results = event.results;
  if (event.kind === 'feedback') values.helpful = event.helpful;
  await createObject(counter, 'kbEvent', values);
  return true;
}
