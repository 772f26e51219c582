import { useState } from 'react';
import { Link } from 'react-router';
import { useTicketActions } from '../../api/queries.ts';
import { useContact, useRequestedTickets } from '../../api/requester-queries.ts';
import type { Me, Ticket } from '../../api/types.ts';
import { can } from '../../app/session.ts';
import { ErrorMessage, Loading, Notice } from '../../components/ErrorMessage.tsx';
import { RequesterPicker } from '../../components/RequesterPicker.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useI18n } from '../../i18n/i18n.tsx';

/**
 * Who asked: the requester's name, email and tenant, and their other tickets (those the role reads,
 * as links); or, on a ticket without one, a warning and the picker to set it. Changing the
 * requester is one PATCH on the version shown.
 */
export function RequesterPanel({ me, ticket }: { me: Me; ticket: Ticket }) {
  const { t } = useI18n();
  // Its own mutation: the details form's "Saved." and errors are about the details.
  const { update } = useTicketActions(ticket.id);
  const [picking, setPicking] = useState(false);
  const [saved, setSaved] = useState(false);
  const mayEdit = can(me, 'ticket.edit');
  const pick = (requesterId: string) =>
    update.mutate(
      { version: ticket.version, requesterId },
      {
        onSuccess: () => {
          setPicking(false);
          setSaved(true);
        },
      },
    );

  return (
    <section className="card requester-panel" aria-labelledby="requester-title">
      <h3 id="requester-title">{t('requester.title')}</h3>
      {saved && <Notice>{t('requester.saved')}</Notice>}
      {ticket.requesterId ? <RequesterFacts requesterId={ticket.requesterId} ticketId={ticket.id} /> : <p className="alert alert-warning">{t('requester.missing')}</p>}
      {mayEdit &&
        (picking || !ticket.requesterId ? (
          <>
            <RequesterPicker tenant={ticket.tenant ?? undefined} onPick={(r) => pick(r.id)} />
            {ticket.requesterId && (
              <button type="button" className="button secondary small" onClick={() => setPicking(false)}>
                {t('actions.cancel')}
              </button>
            )}
          </>
        ) : (
          <button type="button" className="button secondary small" onClick={() => setPicking(true)}>
            {t('requester.change')}
          </button>
        ))}
      {update.isError && picking && <ErrorMessage error={update.error} />}
    </section>
  );
}

function RequesterFacts({ requesterId, ticketId }: { requesterId: string; ticketId: string }) {
  const { t } = useI18n();
  const contact = useContact(requesterId);
  const tickets = useRequestedTickets(requesterId);
  if (contact.isPending) return <Loading />;
  if (contact.isError) return <p className="muted">{t('requester.unreadable')}</p>;
  const others = (tickets.data?.items ?? []).filter((x) => x.id !== ticketId);
  return (
    <>
      <dl>
        <dt>{t('requester.name')}</dt>
        <dd className="requester-name">{contact.data.name}</dd>
        <dt>{t('requester.email')}</dt>
        <dd>
          <a href={`mailto:${contact.data.email}`}>{contact.data.email}</a>
        </dd>
        <dt>{t('ticket.tenant')}</dt>
        <dd>{contact.data.tenant ?? '—'}</dd>
      </dl>
      <h4>{t('requester.otherTickets')}</h4>
      {tickets.isError ? (
        <ErrorMessage error={tickets.error} />
      ) : tickets.isPending ? (
        <Loading />
      ) : others.length === 0 ? (
        <p className="muted">{t('requester.noOtherTickets')}</p>
      ) : (
        <ul aria-label={t('requester.otherTickets')}>
          {others.map((x) => (
            <li key={x.id}>
              <Link to={`/tickets/${x.id}`}>
                {x.number} · {x.subject}
              </Link>{' '}
              <StatusBadge state={x.status} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
