-- A status change is a permission per transition, ticket.status.<from>.<to> (src/desk/tickets/
-- ticket-transitions.ts), instead of ticket.close for every change of state. Customers may close
-- their own ticket or reopen it, nothing else (pending would pause its SLA clock).
update roles set permissions = array_remove(permissions, 'ticket.close') || '{ticket.status.open.closed,ticket.status.pending.closed,ticket.status.resolved.closed,ticket.status.resolved.open,ticket.status.closed.open}'
where slug = 'customer' and tenant_id is null and 'ticket.close' = any (permissions);
-- Every other role that held ticket.close (agents, administrators, tenants' own roles) keeps every
-- transition it had.
update roles set permissions = array_remove(permissions, 'ticket.close') || '{ticket.status.*}'
where 'ticket.close' = any (permissions);
