-- Customer satisfaction (issue 21, docs/decisions/0123): one rating (1-5, with an optional comment)
-- per resolution of a ticket, by its requester. A ticket resolved again after a reopening can be
-- rated again: the key is the resolution's time. Keys lead with tenant_id.
create table satisfaction_ratings (
  id uuid not null default gen_random_uuid(),
  tenant_id integer not null,
  ticket_id uuid not null,
  resolved_at timestamptz not null,
  rating smallint not null check (rating between 1 and 5),
  comment text check (length(comment) <= 2000),
  rated_by uuid,
  created_at timestamptz not null default now(),
  primary key (tenant_id, id),
  unique (tenant_id, ticket_id, resolved_at)
);
create index satisfaction_ratings_created on satisfaction_ratings (tenant_id, created_at);
