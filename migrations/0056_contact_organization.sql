-- The organization a contact belongs to, as a plain attribute (issue 23: an osTicket user's
-- organization, when the import keeps organizations as an attribute rather than as subtenants).
alter table contacts add column organization text check (organization is null or length(organization) between 1 and 200);
