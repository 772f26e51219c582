-- A tenant's verified sender domains are part of the catalog each process holds in memory (the
-- sender of its mail): a change reaches every process like any other catalog change (0030).
create trigger catalog_changed after insert or update or delete or truncate on tenant_sender_domains for each statement execute function catalog_changed();
