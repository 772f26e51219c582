-- An Idempotency-Key's answer is now stored in the unit of work of the change it answers (issue 6),
-- so the row lives in the database of the tenant written to, under that tenant. Its caller may be
-- a contact of another tenant and database (a service provider's agent writing to a silo tenant):
-- like every reference across tenants, caller_id cannot be a foreign key.
alter table idempotency_keys drop constraint idempotency_keys_caller_id_fkey;
