-- One schema for the pool and for silos (issue 4). A tenant's objects may reference public
-- objects, its ancestors' objects and the service provider's (DESIGN.md write rules 3 and 4), and
-- in a silo those live in another database. Such references, and tenant_id itself (the catalog
-- lives in the pool), cannot be foreign keys: the data-access layer validates them on every write.
-- References to an object's own parts (a ticket's collaborators, a contact's sessions) stay
-- foreign keys: the registry marks them `sameTenant`, so both rows are always in one database.

alter table roles drop constraint roles_tenant_id_fkey, drop constraint roles_read_tenant_id_fkey, drop constraint roles_read_group_id_fkey, drop constraint roles_write_tenant_id_fkey, drop constraint roles_write_group_id_fkey;
alter table contacts drop constraint contacts_tenant_id_fkey;
alter table contact_roles drop constraint contact_roles_tenant_id_fkey, drop constraint contact_roles_role_id_fkey;
alter table categories drop constraint categories_tenant_id_fkey, drop constraint categories_parent_id_fkey;
alter table locations drop constraint locations_tenant_id_fkey;
alter table tickets drop constraint tickets_tenant_id_fkey, drop constraint tickets_requester_id_fkey, drop constraint tickets_assignee_id_fkey, drop constraint tickets_category_id_fkey, drop constraint tickets_location_id_fkey, drop constraint tickets_priority_id_fkey, drop constraint tickets_department_id_fkey;
alter table sessions drop constraint sessions_tenant_id_fkey, drop constraint sessions_active_role_id_fkey;
alter table audit_events drop constraint audit_events_tenant_id_fkey, drop constraint audit_events_actor_contact_id_fkey;
alter table api_keys drop constraint api_keys_tenant_id_fkey, drop constraint api_keys_role_id_fkey;
alter table password_resets drop constraint password_resets_tenant_id_fkey;
alter table sign_in_failures drop constraint sign_in_failures_tenant_id_fkey;
alter table mail_outbox drop constraint mail_outbox_tenant_id_fkey;
alter table departments drop constraint departments_tenant_id_fkey;
alter table contact_departments drop constraint contact_departments_tenant_id_fkey, drop constraint contact_departments_department_id_fkey;
alter table ticket_collaborators drop constraint ticket_collaborators_tenant_id_fkey, drop constraint ticket_collaborators_contact_id_fkey;
