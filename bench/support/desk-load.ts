import { sql } from 'kysely';
import { digest } from '../../src/identity/tokens.ts';
import { catalogShape, HOST_SUFFIX, loadCatalog } from './fixture.ts';
import { databaseUrl, freshBenchDatabase, runStatement, withClient } from './server.ts';

/**
 * A loaded help desk for the flood and soak benchmarks, in a database of its own, with set-based
 * SQL: the catalog of `tenants` tenants (fixture.ts); in each, an agent and a customer with a
 * signed-in session each, an API key for the agent, a support address `support@t<id>.bench.test`,
 * and `ticketsPerTenant` tickets requested by the customer, each with its first reply. Sessions
 * and keys are stored as SHA-256 of known secrets, as real ones are: nothing is signed in over HTTP
 * (argon2 would dominate the load), and the secrets below open them.
 */
export type DeskLoad = { adminUrl: string; database: string; tenants: number; ticketsPerTenant: number };

const SECRET = 'k'.repeat(43);
/** The agent's API key of a tenant. */
export const apiKeyOf = (tenant: number) => `td_${tenant.toString(16).padStart(16, '0')}_${SECRET}`;
/** The session cookie of a tenant's agent or customer. */
export const sessionOf = (kind: 'agent' | 'customer', tenant: number) => `td_session=${kind}-session-${tenant}-${SECRET}`;
export const supportAddressOf = (tenant: number) => `support@t${tenant}.${HOST_SUFFIX}`;
export const customerAddressOf = (tenant: number) => `customer@t${tenant}.${HOST_SUFFIX}`;
/** The human number of a loaded ticket (n from 1). */
export const ticketNumberOf = (tenant: number, n: number) => `T${tenant}-${String(n).padStart(6, '0')}`;

/** Creates the database afresh, migrates and loads it; returns its URL. */
export async function loadDesk(load: DeskLoad, log: (line: string) => void = () => {}): Promise<string> {
  const url = databaseUrl(load.adminUrl, load.database);
  const database = await freshBenchDatabase(load.adminUrl, load.database);
  const started = Date.now();
  try {
    const db = database.owner;
    await loadCatalog(db, catalogShape(load.tenants));
    await db.transaction().execute(async (tx) => {
      await sql`insert into contacts (tenant_id, kind, email, name)
        select id, k, k || '@' || slug || ${'.' + HOST_SUFFIX}, initcap(k) || ' of ' || slug from tenants, unnest(array['agent', 'customer']) k`.execute(tx);
      await sql`insert into contact_roles (tenant_id, contact_id, role_id, is_default)
        select c.tenant_id, c.id, r.id, true from contacts c join roles r on r.slug = c.kind and r.tenant_id is null`.execute(tx);
      await sql`insert into sessions (id, tenant_id, contact_id, active_role_id, host, expires_at)
        select encode(sha256(convert_to(c.kind || '-session-' || c.tenant_id || '-' || ${SECRET}, 'UTF8')), 'hex'), c.tenant_id, c.id, r.id,
          t.slug || ${'.' + HOST_SUFFIX}, now() + interval '7 days'
        from contacts c join tenants t on t.id = c.tenant_id join roles r on r.slug = c.kind and r.tenant_id is null`.execute(tx);
      await sql`insert into api_keys (tenant_id, contact_id, role_id, name, prefix, secret_hash)
        select c.tenant_id, c.id, r.id, 'bench', lpad(to_hex(c.tenant_id), 16, '0'), ${digest(SECRET)}
        from contacts c join roles r on r.slug = 'agent' and r.tenant_id is null where c.kind = 'agent'`.execute(tx);
      await sql`insert into mailboxes (tenant_id, address, name) select id, 'support@' || slug || ${'.' + HOST_SUFFIX}, name || ' support' from tenants`.execute(tx);
      await sql`insert into tickets (tenant_id, number, subject, status, status_id, requester_id, source, created_at)
        select c.tenant_id, upper(t.slug) || '-' || lpad(n::text, 6, '0'), 'Loaded ticket ' || n || ' of ' || t.slug, 'open', s.id, c.id, 'web',
          date_trunc('milliseconds', now()) - (n * interval '1 minute')
        from contacts c join tenants t on t.id = c.tenant_id, ticket_statuses s, generate_series(1, ${load.ticketsPerTenant}::integer) n
        where c.kind = 'customer' and s.slug = 'open' and s.tenant_id is null`.execute(tx);
      await sql`insert into thread_entries (tenant_id, ticket_id, kind, author_id, body_html)
        select tenant_id, id, 'reply', requester_id, '<p>' || subject || ': the printer jams again.</p>' from tickets`.execute(tx);
      await sql`insert into tenant_counters (tenant_id, name, last_value) select id, 'ticket', ${load.ticketsPerTenant}::integer from tenants`.execute(tx);
    });
    await sql`vacuum analyze`.execute(db);
  } finally {
    await database.close();
  }
  log(`loaded ${load.tenants} tenants and ${load.tenants * load.ticketsPerTenant} tickets into ${load.database} in ${Math.round((Date.now() - started) / 1000)} s`);
  return url;
}

/** The loaded tickets' ids by tenant (they are the customer's own). */
export async function loadedTickets(url: string): Promise<Map<number, string[]>> {
  const rows = (await withClient(url, (client) => client.query<{ tenant_id: number; id: string }>('select tenant_id, id from tickets order by tenant_id, number'))).rows;
  const out = new Map<number, string[]>();
  for (const r of rows) out.set(r.tenant_id, out.get(r.tenant_id) ?? []).get(r.tenant_id)!.push(r.id);
  return out;
}

export async function dropDesk(load: Pick<DeskLoad, 'adminUrl' | 'database'>): Promise<void> {
  await runStatement(load.adminUrl, `drop database if exists ${load.database} with (force)`);
}
