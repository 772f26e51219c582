import { Link } from 'react-router';
import type { Ticket } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { StatusBadge } from './StatusBadge.tsx';

type Column = 'tenant' | 'assignee';

/** Tickets as a table (cards on a phone); the subject links to the ticket. */
export function TicketTable({ tickets, columns = [], names }: { tickets: Ticket[]; columns?: Column[]; names?: Map<string, string> }) {
  const { t, formatDate } = useI18n();
  return (
    <table className="tickets">
      <thead>
        <tr>
          <th scope="col">{t('ticket.number')}</th>
          {columns.includes('tenant') && <th scope="col">{t('ticket.tenant')}</th>}
          <th scope="col">{t('ticket.subject')}</th>
          <th scope="col">{t('ticket.status')}</th>
          {columns.includes('assignee') && <th scope="col">{t('ticket.assignee')}</th>}
          <th scope="col">{t('ticket.updated')}</th>
        </tr>
      </thead>
      <tbody>
        {tickets.map((ticket) => (
          <tr key={ticket.id} data-ticket={ticket.number ?? ticket.id}>
            <td data-label={t('ticket.number')} className="mono">
              {ticket.number}
            </td>
            {columns.includes('tenant') && (
              <td data-label={t('ticket.tenant')}>
                <span className="tag">{ticket.tenant}</span>
              </td>
            )}
            <td data-label={t('ticket.subject')}>
              <Link to={`/tickets/${ticket.id}`}>{ticket.subject}</Link>
            </td>
            <td data-label={t('ticket.status')}>
              <StatusBadge state={ticket.status} />
            </td>
            {columns.includes('assignee') && (
              <td data-label={t('ticket.assignee')}>{ticket.assigneeId ? (names?.get(ticket.assigneeId) ?? '…') : <span className="muted">{t('ticket.unassigned')}</span>}</td>
            )}
            <td data-label={t('ticket.updated')}>
              <time dateTime={ticket.updatedAt}>{formatDate(ticket.updatedAt)}</time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
