import { sql, type RawBuilder } from 'kysely';
import { hasPermission, worksAsAgent } from '../../identity/permissions.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import type { Row } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';

/**
 * Who reads the knowledge base, and which articles that reader sees (docs/decisions/0140):
 * - its own reads: the tenants its active role reads, and public articles; an agent sees every
 *   visibility and state there, a customer published `public` and `customers` articles, someone
 *   not signed in published `public` ones;
 * - inherited reads: the articles of the host tenant and the tenants above it (T.foreign-key, the
 *   tenants its objects may reference), published, `public` (and `customers` for a signed-in
 *   reader). A tenant's internal procedures (`agents`) are never inherited.
 * Another tenant's article is in neither, so it answers 404 and never appears in a search.
 */
export type Audience = 'anonymous' | 'customer' | 'agent';

export type KbReader = {
  /** The reader's own context: its role's tenants (anonymous: no tenant, so public rows alone). */
  readonly ctx: TenancyContext;
  readonly audience: Audience;
  /** The tenant whose host the reader is at: where views, searches and votes are counted. */
  readonly hostTenantId: number;
  /** The signed-in reader, for authorship; none when anonymous. */
  readonly desk?: DeskContext;
};

/** One read of the articles: a context (its tenant set) and the rows of it this reader may see. */
export type ReadPass = { readonly ctx: TenancyContext; readonly filter: RawBuilder<boolean> };

const VISIBLE_TO: Record<Audience, readonly string[]> = {
  anonymous: ['public'],
  customer: ['public', 'customers'],
  agent: ['public', 'customers', 'agents'],
};

const published = (visibilities: readonly string[]) => sql<boolean>`status = 'published' and visibility = any (${sql.val([...visibilities])}::text[])`;

export function readerOf(desk: DeskContext, hostTenantId: number): KbReader {
  return { ctx: desk, audience: worksAsAgent(desk.actor) ? 'agent' : 'customer', hostTenantId, desk };
}

/** Someone at the tenant's host who has not signed in: public rows only, and what the host inherits. */
export function anonymousReader(base: Omit<TenancyContext, 'access' | 'known'>, hostTenantId: number): KbReader {
  return { ctx: { ...base, access: { read: [], write: [], writePublic: false }, known: new Map() }, audience: 'anonymous', hostTenantId };
}

/** Whether the reader edits articles (drafts): an agent whose role grants `kb.write`. */
export const mayEditArticles = (reader: KbReader): boolean => reader.audience === 'agent' && !!reader.desk && hasPermission(reader.desk.actor.activeRole, 'kb.write');

/**
 * The reads that together give every article this reader may see. Each runs through the scoped
 * data-access layer with its own tenant set, so row-level security checks the same set.
 */
export function readPasses(reader: KbReader): ReadPass[] {
  const own: ReadPass = {
    ctx: reader.ctx,
    filter: reader.audience === 'agent' ? sql<boolean>`true` : published(VISIBLE_TO[reader.audience]),
  };
  // Tenant boundary: the host's supertenants only, read-only, published and never agents-only. The
  // tenants the own pass reads already, and the public rows, are left to it: what it shows of them
  // is never less (bench/README.md: the public rows were read and ranked twice per search).
  const ownRead = reader.ctx.access.read;
  const above = reader.ctx.catalog.supertenants(reader.hostTenantId).filter((t) => ownRead !== 'all' && !ownRead.includes(t));
  if (above.length === 0) return [own];
  const inherited: ReadPass = {
    ctx: { ...reader.ctx, access: { read: above, write: [], writePublic: false } },
    filter: sql<boolean>`tenant_id is not null and ${published(VISIBLE_TO[reader.audience === 'anonymous' ? 'anonymous' : 'customer'])}`,
  };
  return [own, inherited];
}

/** Every pass read with `read`, each row once (public rows and a tenant read both ways come twice). */
export async function readEveryPass<R extends Row>(reader: KbReader, read: (pass: ReadPass) => Promise<R[]>): Promise<R[]> {
  const pages = await Promise.all(readPasses(reader).map(read));
  const seen = new Set<unknown>();
  return pages.flat().filter((row) => !seen.has(row.id) && seen.add(row.id));
}
