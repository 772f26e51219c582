-- An import's row may become a tenant (issue 23: an osTicket organization imported as a subtenant,
-- docs/decisions/0151-osticket-organizations-as-subtenants.md), whose id is an integer, not a uuid:
-- the ledger's target is kept as text so one ledger names objects and tenants alike.
alter table import_sources alter column target_id type text using target_id::text;
alter table import_sources add constraint import_sources_target_id_length check (length(target_id) between 1 and 64);
