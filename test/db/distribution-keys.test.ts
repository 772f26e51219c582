import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { registry } from '../../src/db/registry.ts';
import { forEachDatabase } from '../support/databases.ts';

/**
 * Whether the pool can be distributed by tenant on a distributed PostgreSQL (Citus): every key of a
 * tenant-required table (primary key, unique constraints, indexes, foreign keys) should lead with
 * `tenant_id`, so that each is enforced, and each lookup answered, within one tenant's shard.
 * Read from pg_catalog, not from the migrations' text. Today's exceptions are listed below, each
 * with why; a new table or key that breaks the rule fails here until it is fixed or listed (with a
 * reason), and an exception that is fixed must leave the list. docs/scaling.md says what the
 * listed ones would need.
 */

/** Tables keyed by a bare `id` (a UUID or identity), whose other keys and foreign keys follow it. */
const ID_KEYED = [
  'api_keys', 'attachments', 'audit_events', 'contact_departments', 'contacts', 'departments', 'idempotency_keys', 'jobs',
  'mail_messages', 'mail_outbox', 'mail_quarantine', 'mailboxes', 'password_resets', 'sessions', 'sign_in_failures',
  'team_members', 'teams', 'tenant_counters', 'thread_entries', 'ticket_collaborators', 'ticket_filters', 'ticket_links', 'tickets',
];

const KNOWN_EXCEPTIONS: Record<string, string> = {
  ...Object.fromEntries(ID_KEYED.map((t) => [`${t} primary key ${t}_pkey (id)`, 'primary key on id alone (Citus: (tenant_id, id))'])),
  'contact_roles unique contact_roles_id_key (id)': 'a second key on id alone',
  'contact_roles primary key contact_roles_pkey (contact_id, role_id)': 'composite key without tenant_id',
  'contact_departments unique contact_departments_contact_id_department_id_key (contact_id, department_id)': 'unique without tenant_id',
  'team_members unique team_members_team_id_contact_id_key (team_id, contact_id)': 'unique without tenant_id',
  'ticket_collaborators unique ticket_collaborators_ticket_id_contact_id_key (ticket_id, contact_id)': 'unique without tenant_id',
  'ticket_links unique ticket_links_ticket_id_linked_ticket_id_key (ticket_id, linked_ticket_id)': 'unique without tenant_id',
  'api_keys unique api_keys_prefix_key (prefix)': 'installation-wide: a key is found by its prefix before its tenant is known',
  'mailboxes unique mailboxes_address (address)': 'installation-wide: inbound mail is routed by address before its tenant is known',
  'jobs index jobs_due (run_at)': "installation-wide: the runner takes the oldest due job of any tenant (and installation jobs have no tenant)",
  'sla_clocks index sla_clocks_due (due_at, tenant_id, ticket_id)': 'installation-wide: the overdue sweep reads due clocks of every tenant',
  'sign_in_failures index sign_in_failures_key (throttle_key, failed_at)': 'throttling by account and by client address, across tenants',
  'tickets index tickets_search (search)': 'GIN full-text index (Citus shards it with the table; it cannot lead with tenant_id)',
  'thread_entries index thread_entries_search (search)': 'GIN full-text index, as tickets_search',
  'api_keys foreign key api_keys_contact_id_fkey (contact_id)': 'same-tenant foreign key on id alone (Citus: (tenant_id, contact_id))',
  'attachments foreign key attachments_entry_id_fkey (entry_id)': 'same-tenant foreign key on id alone',
  'attachments foreign key attachments_ticket_id_fkey (ticket_id)': 'same-tenant foreign key on id alone',
  'contact_departments foreign key contact_departments_contact_id_fkey (contact_id)': 'same-tenant foreign key on id alone',
  'contact_roles foreign key contact_roles_contact_id_fkey (contact_id)': 'same-tenant foreign key on id alone',
  'mail_messages foreign key mail_messages_mailbox_id_fkey (mailbox_id)': 'same-tenant foreign key on id alone',
  'mail_messages foreign key mail_messages_ticket_id_fkey (ticket_id)': 'same-tenant foreign key on id alone',
  'mail_outbox foreign key mail_outbox_mailbox_id_fkey (mailbox_id)': 'same-tenant foreign key on id alone',
  'mail_outbox foreign key mail_outbox_ticket_id_fkey (ticket_id)': 'same-tenant foreign key on id alone',
  'mail_quarantine foreign key mail_quarantine_mailbox_id_fkey (mailbox_id)': 'same-tenant foreign key on id alone',
  'password_resets foreign key password_resets_contact_id_fkey (contact_id)': 'same-tenant foreign key on id alone',
  'sessions foreign key sessions_contact_id_fkey (contact_id)': 'same-tenant foreign key on id alone',
  'sla_clocks foreign key sla_clocks_ticket_id_fkey (ticket_id)': 'same-tenant foreign key on id alone',
  'team_members foreign key team_members_team_id_fkey (team_id)': 'same-tenant foreign key on id alone',
  'thread_entries foreign key thread_entries_ticket_id_fkey (ticket_id)': 'same-tenant foreign key on id alone',
  'ticket_collaborators foreign key ticket_collaborators_ticket_id_fkey (ticket_id)': 'same-tenant foreign key on id alone',
  'ticket_links foreign key ticket_links_linked_ticket_id_fkey (linked_ticket_id)': 'same-tenant foreign key on id alone',
  'ticket_links foreign key ticket_links_ticket_id_fkey (ticket_id)': 'same-tenant foreign key on id alone',
  'tickets foreign key tickets_merged_into_id_fkey (merged_into_id)': 'same-tenant foreign key on id alone',
};

forEachDatabase('keys of the pool tables, for distribution by tenant', (db) => {
  it('leads every key of every tenant-required table with tenant_id, but for the listed exceptions', async () => {
    const tables = Object.values(registry).filter((t) => t.class === 'tenant-required').map((t) => t.table);
    const keys = await sql<{ table: string; kind: string; name: string; columns: string[] }>`
      select c.relname as table, case when x.indisprimary then 'primary key' when x.indisunique then 'unique' else 'index' end as kind, i.relname as name,
        array(select a.attname from unnest(x.indkey) with ordinality k(n, o) join pg_attribute a on a.attrelid = c.oid and a.attnum = k.n order by k.o)::text[] as columns
      from pg_index x join pg_class c on c.oid = x.indrelid join pg_class i on i.oid = x.indexrelid
      where c.relnamespace = 'public'::regnamespace and c.relname = any(${tables}::text[])
      union all
      select c.relname, 'foreign key', k.conname,
        array(select a.attname from unnest(k.conkey) with ordinality kk(n, o) join pg_attribute a on a.attrelid = c.oid and a.attnum = kk.n order by kk.o)::text[]
      from pg_constraint k join pg_class c on c.oid = k.conrelid
      where k.contype = 'f' and c.relnamespace = 'public'::regnamespace and c.relname = any(${tables}::text[])`.execute(db().owner);
    assert.ok(keys.rows.length > tables.length, 'keys were read');
    const breaking = keys.rows.filter((k) => k.columns[0] !== 'tenant_id').map((k) => `${k.table} ${k.kind} ${k.name} (${k.columns.join(', ')})`);
    const unlisted = breaking.filter((b) => !Object.hasOwn(KNOWN_EXCEPTIONS, b));
    assert.deepEqual(unlisted, [], 'keys that do not lead with tenant_id: make them lead with it, or list them with a reason');
    const fixed = Object.keys(KNOWN_EXCEPTIONS).filter((e) => !breaking.includes(e));
    assert.deepEqual(fixed, [], 'listed exceptions that no longer exist: take them off the list');
  });
});
