-- Mail templates (src/mail/mail-templates.ts): the subject and HTML body of each kind of mail the
-- desk writes, with {{placeholders}}. A tenant-optional type: the rows with no tenant are the
-- public defaults seeded below; a tenant's own row of a kind wins over the default for its mail.
-- Registered in src/db/registry.ts, so row-level security protects it like the other types.
create table mail_templates (
  tenant_id integer,
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('auto-reply', 'agent-reply', 'assignment', 'overdue')),
  subject text not null check (length(subject) between 1 and 300),
  body text not null check (length(body) between 1 and 20000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- One row per kind and tenant, and one public default per kind.
create unique index mail_templates_kind on mail_templates (tenant_id, kind) nulls not distinct;

insert into mail_templates (tenant_id, kind, subject, body) values
  (null, 'auto-reply', 'Re: [{{ticket.number}}] {{ticket.subject}}',
   '<p>Hello {{recipient.name}},</p><p>We received your message and opened request {{ticket.number}}. Reply to this email to add to it.</p><p>{{tenant.name}}</p>'),
  (null, 'agent-reply', 'Re: [{{ticket.number}}] {{ticket.subject}}', '{{entry.body}}'),
  (null, 'assignment', '[{{ticket.number}}] Assigned to you: {{ticket.subject}}',
   '<p>Hello {{recipient.name}},</p><p>Request {{ticket.number}} "{{ticket.subject}}" is now assigned to you.</p>'),
  (null, 'overdue', '[{{ticket.number}}] Overdue: {{sla.clock}} was due {{sla.due}}',
   '<p>Hello {{recipient.name}},</p><p>Ticket {{ticket.number}} "{{ticket.subject}}" has passed its {{sla.clock}} due date ({{sla.due}}).</p>');

-- Mail queued by set-based statements (the overdue sweep) carries its template's values instead of
-- a rendered body; the send job renders it with the tenant's template (mail/send-mail.ts).
alter table mail_outbox add column template_data jsonb;
