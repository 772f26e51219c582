-- Customers may close their own tickets (the portal's "close"); their data partition keeps them
-- to the tickets they requested.
update roles set permissions = permissions || '{ticket.close}'
where slug = 'customer' and tenant_id is null and not ('ticket.close' = any (permissions));
