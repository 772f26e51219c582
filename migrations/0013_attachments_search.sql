-- Attachments on thread entries, full-text search over tickets and thread entries, and an audit
-- log that pages by cursor (issue 6).

-- The file itself lives under DATA_DIR/files/<tenant id>/attachments/<id> (src/files/): the row is
-- what makes it visible, and only through the entry it belongs to.
create table attachments (
  id uuid primary key default gen_random_uuid(),
  tenant_id integer,
  ticket_id uuid not null references tickets (id) on delete cascade,
  entry_id uuid not null references thread_entries (id) on delete cascade,
  filename text not null check (length(filename) between 1 and 255),
  content_type text not null check (length(content_type) between 1 and 255),
  size integer not null check (size >= 0),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  uploaded_by uuid,
  created_at timestamptz not null default now()
);
create index attachments_entry on attachments (tenant_id, entry_id);
create index attachments_ticket on attachments (tenant_id, ticket_id);

-- Search vectors are generated columns: always in step with the text, computed again by the
-- database a tenant is copied to (tenant moves copy every column but generated ones). The 'simple'
-- configuration (no stemming, no stop words) is the same for every language a pool may hold, and a
-- generated column needs one fixed configuration.
alter table tickets
  add column search tsvector generated always as (to_tsvector('simple', coalesce(number, '') || ' ' || subject)) stored;
create index tickets_search on tickets using gin (search);

alter table thread_entries
  add column search tsvector generated always as (to_tsvector('simple', regexp_replace(body_html, '<[^>]*>', ' ', 'g'))) stored;
create index thread_entries_search on thread_entries using gin (search);

-- The audit log pages on (created_at, id) through JavaScript dates, which hold milliseconds (as
-- tickets do, migration 0011).
alter table audit_events alter column created_at set default date_trunc('milliseconds', clock_timestamp());
update audit_events set created_at = date_trunc('milliseconds', created_at);
drop index audit_events_tenant;
create index audit_events_tenant on audit_events (tenant_id, created_at desc, id);
