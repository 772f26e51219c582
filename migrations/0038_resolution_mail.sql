-- The resolution mail (issue 21, docs/decisions/0135): when a ticket is resolved, its requester is
-- told, with the signed link that rates the resolution (decision 0126). A new template kind,
-- tenant-customisable like the others; its public default says it in English and in French, as a
-- requester's language is not known. {{rating.link}} is filled in when the mail is sent.
alter table mail_templates drop constraint mail_templates_kind_check;
alter table mail_templates add constraint mail_templates_kind_check check (kind in ('auto-reply', 'agent-reply', 'assignment', 'overdue', 'overdue-digest', 'resolved'));
insert into mail_templates (tenant_id, kind, subject, body) values
  (null, 'resolved', '[{{ticket.number}}] Resolved / Résolue : {{ticket.subject}}',
   '<p>Hello {{recipient.name}},</p><p>Your request {{ticket.number}} "{{ticket.subject}}" has been resolved. How did we do? <a href="{{rating.link}}">Rate our help</a> (one click, no sign-in).</p><p>If it is not solved, reply to this email and we will reopen it.</p><hr><p>Bonjour {{recipient.name}},</p><p>Votre demande {{ticket.number}} « {{ticket.subject}} » a été résolue. Comment avons-nous fait ? <a href="{{rating.link}}">Évaluez notre aide</a> (un clic, sans connexion).</p><p>Si le problème persiste, répondez à ce courriel et nous la rouvrirons.</p><p>{{tenant.name}}</p>');
