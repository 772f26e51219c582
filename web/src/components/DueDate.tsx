import type { Ticket } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';

/**
 * Whether a ticket is overdue, as the overdue queue decides (src/desk/tickets/list-tickets.ts):
 * open or pending, and a recorded SLA breach or a running clock past its due date.
 */
export function isOverdue(ticket: Ticket, now = Date.now()): boolean {
  if (ticket.status !== 'open' && ticket.status !== 'pending') return false;
  const unanswered = !ticket.firstRespondedAt;
  if (ticket.resolutionBreachedAt || (unanswered && ticket.firstResponseBreachedAt)) return true;
  if (ticket.slaPausedAt) return false;
  const past = (at: string | null | undefined) => !!at && Date.parse(at) <= now;
  return past(ticket.resolutionDueAt) || (unanswered && past(ticket.firstResponseDueAt));
}

/** A ticket's due date, marked when it has passed (in words, not by colour alone). */
export function DueDate({ ticket }: { ticket: Ticket }) {
  const { t, formatDate } = useI18n();
  const due = ticket.resolutionDueAt ?? ticket.dueAt;
  if (!due) return <span className="muted">{t('ticket.none')}</span>;
  return (
    <span className={isOverdue(ticket) ? 'due overdue' : 'due'}>
      <time dateTime={due}>{formatDate(due)}</time>
      {isOverdue(ticket) && <span className="badge badge-overdue">{t('due.overdue')}</span>}
    </span>
  );
}
