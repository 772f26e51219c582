import { useState, type FormEvent } from 'react';
import { useCollaboratorActions, useCollaborators } from '../../api/desk-queries.ts';
import { useChoices } from '../../api/queries.ts';
import type { Ticket } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { Options } from '../../components/Options.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { QueryList, SidePanel } from './SidePanel.tsx';

/**
 * A ticket's collaborators (CC): who follows it besides the requester. The contacts offered are
 * those the tenant rules allow (the ticket's tenant and the tenants above it).
 */
export function CollaboratorsPanel({ ticket }: { ticket: Ticket }) {
  const { t } = useI18n();
  const list = useCollaborators(ticket.id);
  const { add, remove } = useCollaboratorActions(ticket.id);
  const contacts = useChoices('ticketCollaborator', 'contact_id', ticket.tenant);
  const [contactId, setContactId] = useState('');
  const present = new Set([...(list.data ?? []).map((c) => c.contactId), ticket.requesterId]);
  const offered = (contacts.data ?? []).filter((c) => !present.has(c.id)).map((c) => ({ value: c.id, label: c.label }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (contactId) add.mutate(contactId, { onSuccess: () => setContactId('') });
  };

  return (
    <SidePanel id="collaborators-title" title={t('cc.title')}>
      <QueryList
        query={list}
        empty={t('cc.none')}
        className="collaborators"
        item={(c) => (
          <>
            <span>
              {c.name ?? t('thread.someone')}
              {c.email && <span className="muted small"> · {c.email}</span>}
            </span>
            <button type="button" className="button secondary small" disabled={remove.isPending} onClick={() => remove.mutate(c.contactId)} aria-label={t('cc.remove', { name: c.name ?? c.contactId })}>
              {t('actions.remove')}
            </button>
          </>
        )}
      />
      <form className="form" onSubmit={submit}>
        <Field label={t('cc.add')}>
          <select name="collaborator" value={contactId} onChange={(e) => setContactId(e.target.value)} required>
            <Options empty={t('cc.choose')} items={offered} />
          </select>
        </Field>
        {contacts.isError && <ErrorMessage error={contacts.error} />}
        {add.isError && <ErrorMessage error={add.error} />}
        {remove.isError && <ErrorMessage error={remove.error} />}
        <button type="submit" className="button secondary" disabled={add.isPending || !contactId}>
          {t('cc.addButton')}
        </button>
      </form>
    </SidePanel>
  );
}
