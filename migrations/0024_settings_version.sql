-- The settings version of a database (docs/decisions.md, "Settings rows kept in memory"): the few
-- tables every ticket and message reads and administrators seldom write (roles, ticket statuses,
-- ticket filters, mail templates, mailboxes). Any change to them, by whoever makes it, bumps the
-- version in the same transaction; each scoped transaction reads it in the statement that sets
-- its scope (db/scope.ts), so an app instance may answer those reads from memory for as long as
-- the version it saw is the one it cached them under, and never serves a row older than that.

create table settings_state (
  singleton boolean primary key default true check (singleton),
  version bigint not null default 0
);
insert into settings_state default values;

-- Runs as the tables' owner: the app roles may neither read nor write settings_state themselves.
create function settings_version() returns bigint language sql stable security definer set search_path = public
  as $$ select version from settings_state $$;

create function settings_changed() returns trigger language plpgsql security definer set search_path = public
  as $$ begin update settings_state set version = version + 1; return null; end $$;

-- One bump per statement, whatever it changed: a tenant move writes thousands of rows at once.
create trigger settings_changed after insert or update or delete or truncate on roles for each statement execute function settings_changed();
create trigger settings_changed after insert or update or delete or truncate on ticket_statuses for each statement execute function settings_changed();
create trigger settings_changed after insert or update or delete or truncate on ticket_filters for each statement execute function settings_changed();
create trigger settings_changed after insert or update or delete or truncate on mail_templates for each statement execute function settings_changed();
create trigger settings_changed after insert or update or delete or truncate on mailboxes for each statement execute function settings_changed();
