-- The public roles shipped with TenantDesk (tenant-optional objects with no tenant).
insert into roles (slug, name, read_access, write_access, may_write_public, permissions, data_partitions) values
  ('sp-admin', 'Service-provider administrator', 'all', 'all', true,
   '{admin.*,ticket.create,ticket.assign,ticket.note,ticket.reply,ticket.close}', '[]'),
  ('sp-agent', 'Service-provider agent', 'all', 'all', false,
   '{ticket.create,ticket.assign,ticket.note,ticket.reply,ticket.close}', '[]'),
  ('tenant-admin', 'Tenant administrator', 'own', 'own', false,
   '{admin.tenant,ticket.create,ticket.assign,ticket.note,ticket.reply,ticket.close}', '[]'),
  ('agent', 'Agent', 'own', 'own', false,
   '{ticket.create,ticket.assign,ticket.note,ticket.reply,ticket.close}', '[]'),
  ('customer', 'Customer', 'own', 'own', false,
   '{ticket.create,ticket.reply}',
   '[{"type": "ticket", "field": "requester_id", "op": "=", "value": "@me"}]');
