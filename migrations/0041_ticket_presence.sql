-- Who is on a ticket now (issue 21, collision notice; docs/decisions/0121): one row per ticket and
-- contact, renewed while the page is open and void once `expires_at` passes, so a closed tab or a
-- dead process needs no clean-up to stop showing. Shared by every process through the database.
-- The contact's name is kept as the writer gave it: an agent of the tenant may not read the
-- service provider's staff who work on its tickets, yet should see who they are.
-- Keys lead with tenant_id (test/db/distribution-keys.test.ts); no foreign key to the ticket
-- (it would be on id alone): rows of a deleted ticket expire like any other.
create table ticket_presence (
  id uuid not null default gen_random_uuid(),
  tenant_id integer not null,
  ticket_id uuid not null,
  contact_id uuid not null,
  contact_name text not null check (length(contact_name) between 1 and 200),
  activity text not null check (activity in ('viewing', 'replying')),
  expires_at timestamptz not null,
  primary key (tenant_id, id),
  unique (tenant_id, ticket_id, contact_id)
);
