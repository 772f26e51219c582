import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/client.ts';
import { useAddEntry, useAttachments, useRelatedTickets } from '../api/desk-queries.ts';
import { useConfigList, useContactNames, useThread, useTicket, useTicketActions } from '../api/queries.ts';
import type { Me, Ticket } from '../api/types.ts';
import { can, isCustomer, readsSeveralTenants } from '../app/session.ts';
import { Composer } from '../components/Composer.tsx';
import { DueDate } from '../components/DueDate.tsx';
import { ErrorMessage, Loading, Notice } from '../components/ErrorMessage.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { Thread } from '../components/Thread.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { CollaboratorsPanel } from './agent/CollaboratorsPanel.tsx';
import { MergeLinkPanel } from './agent/MergeLinkPanel.tsx';
import { TicketDetailsForm } from './agent/TicketDetailsForm.tsx';
import { RequesterPanel } from './agent/RequesterPanel.tsx';
import { NotFoundPage } from './NotFoundPage.tsx';
import { PresenceNotice } from './agent/PresenceNotice.tsx';
import { MacroPanel } from './agent/MacroPanel.tsx';
import { RatingForm } from './portal/RatingForm.tsx';
import { useTicketKeys } from './agent/ticket-keys.ts';

/**
 * One ticket: the customer's view (replies, reply, close) or the agent's (thread with notes,
 * reply or note, details). A ticket of another tenant, or none, is the same "not found".
 */
export function TicketPage({ me }: { me: Me }) {
  const { id = '' } = useParams();
  const ticket = useTicket(id);
  if (ticket.isPending) return <Loading />;
  if (ticket.isError) {
    const error = ticket.error;
    if (error instanceof ApiError && (error.status === 404 || (error.status === 400 && error.field === 'id'))) return <NotFoundPage what="ticket" />;
    return <ErrorMessage error={error} onRetry={() => void ticket.refetch()} />;
  }
  return <TicketView me={me} ticket={ticket.data} />;
}

function TicketView({ me, ticket }: { me: Me; ticket: Ticket }) {
  if (isCustomer(me)) return <TicketScreen me={me} ticket={ticket} />;
  return <AgentTicketScreen me={me} ticket={ticket} />;
}

/** The agent's view has keyboard shortcuts (agent/ticket-keys.ts); the customer's has none. */
function AgentTicketScreen({ me, ticket }: { me: Me; ticket: Ticket }) {
  useTicketKeys(ticket.id);
  return <TicketScreen me={me} ticket={ticket} />;
}

function TicketScreen({ me, ticket }: { me: Me; ticket: Ticket }) {
  const { t, formatDate } = useI18n();
  const location = useLocation();
  const navigate = useNavigate();
  // "Ticket N has been opened" shows once: the history entry forgets it, so a reload does not repeat it.
  const [{ created, failedFiles }] = useState((location.state as { created?: string; failedFiles?: string[] } | null) ?? {});
  useEffect(() => {
    if (created) navigate(location.pathname, { replace: true, state: null });
  }, [created, location.pathname, navigate]);
  const thread = useThread(ticket.id);
  const attachments = useAttachments(ticket.id);
  // The contact list needs ticket.edit (a customer's role would get 403 on every ticket it opens).
  const names = useContactNames(can(me, 'ticket.edit'));
  const actions = useTicketActions(ticket.id);
  const addEntry = useAddEntry(ticket.id);
  const [writing, setWriting] = useState(false);
  const customer = isCustomer(me);
  const closed = ticket.status === 'closed' || ticket.status === 'resolved';
  const canned = useCannedResponses(!customer);
  const mayReply = customer || ticket.requesterId !== null;

  return (
    <article className="ticket">
      {created && <Notice>{t('newTicket.created', { number: created })}</Notice>}
      {failedFiles && failedFiles.length > 0 && (
        <p role="alert" className="alert alert-error">
          {t('attach.notAttached', { names: failedFiles.join(', ') })}
        </p>
      )}
      {ticket.mergedIntoId && <MergedInto id={ticket.mergedIntoId} />}
      <div className="page-head">
        <div>
          <p className="mono muted">
            {ticket.number}
            {readsSeveralTenants(me) && <span className="tag">{ticket.tenant}</span>}
          </p>
          <h1>{ticket.subject}</h1>
          <p className="muted">
            <StatusBadge state={ticket.status} /> · {t('ticket.created')} <time dateTime={ticket.createdAt}>{formatDate(ticket.createdAt)}</time>
            {!customer && (ticket.resolutionDueAt ?? ticket.dueAt) && (
              <>
                {' '}
                · {t('ticket.due')} <DueDate ticket={ticket} />
              </>
            )}
          </p>
        </div>
        {can(me, `ticket.status.${ticket.status}.${closed ? 'open' : 'closed'}`) && (
          <div className="actions">
            {closed ? (
              <button type="button" className="button secondary" onClick={() => actions.reopen.mutate(ticket.version)} disabled={actions.reopen.isPending}>
                {t('actions.reopen')}
              </button>
            ) : (
              <button type="button" className="button secondary" onClick={() => actions.close.mutate(ticket.version)} disabled={actions.close.isPending}>
                {t('actions.close')}
              </button>
            )}
          </div>
        )}
      </div>
      {actions.close.isError && <ErrorMessage error={actions.close.error} />}
      {actions.reopen.isError && <ErrorMessage error={actions.reopen.error} />}
      <div className={customer ? 'ticket-body' : 'ticket-body with-side'}>
        <section aria-labelledby="thread-title">
          <h2 id="thread-title">{t('thread.title')}</h2>
          {!customer && <PresenceNotice ticketId={ticket.id} replying={writing} />}
          {customer && <RatingForm ticketId={ticket.id} status={ticket.status} />}
          {thread.isPending ? <Loading /> : thread.isError ? <ErrorMessage error={thread.error} /> : <Thread entries={thread.data} meId={me.contact.id} names={names} attachments={attachments.data} />}
          {attachments.isError && <ErrorMessage error={attachments.error} />}
          {/* A reply goes to the requester: without one, an agent writes notes only (the API refuses the reply too). */}
          {((can(me, 'ticket.reply') && mayReply) || can(me, 'ticket.note')) && !ticket.mergedIntoId && (
            <Composer
              addEntry={addEntry}
              allowNote={!customer && can(me, 'ticket.note')}
              allowReply={can(me, 'ticket.reply') && mayReply}
              canned={canned}
              latestEntryId={thread.data?.at(-1)?.id}
              onWriting={setWriting}
              {...(!customer && can(me, 'kb.write') ? { articleTitle: ticket.subject } : {})}
            />
          )}
        </section>
        {!customer && (
          <aside aria-labelledby="details-title">
            <h2 id="details-title">{t('ticketView.details')}</h2>
            <RequesterPanel me={me} ticket={ticket} />
            <TicketDetailsForm me={me} ticket={ticket} update={actions.update} />
            {can(me, 'ticket.reply') && !ticket.mergedIntoId && <MacroPanel ticket={ticket} />}
            {can(me, 'ticket.edit') && (
              <>
                <CollaboratorsPanel ticket={ticket} />
                <MergeLinkPanel ticket={ticket} />
              </>
            )}
          </aside>
        )}
      </div>
    </article>
  );
}

/** A merged ticket is closed for good and points to the one its conversation continues in. */
function MergedInto({ id }: { id: string }) {
  const { t } = useI18n();
  const target = useRelatedTickets([id]).get(id);
  return (
    <p className="alert alert-warning" role="status">
      {t('merge.mergedInto')} <Link to={`/tickets/${id}`}>{target ? `${target.number} · ${target.subject}` : t('merge.theOther')}</Link>
    </p>
  );
}

function useCannedResponses(enabled: boolean) {
  const list = useConfigList('canned-responses', enabled);
  return (list.data ?? []).map((c) => ({ id: c.id, title: String(c.title), bodyHtml: String(c.bodyHtml) }));
}
