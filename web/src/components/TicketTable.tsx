import { Link } from 'react-router';
import type { Ticket } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { DueDate } from './DueDate.tsx';
import { StatusBadge } from './StatusBadge.tsx';

type Column = 'tenant' | 'assignee' | 'priority' | 'due';
/** The sort the rows are in, announced on its column header. */
type Sorted = { by: string; order: 'asc' | 'desc' };
/** Rows that can be selected for a bulk action: a checkbox each, and one for all shown. */
export type Selection = { isSelected(id: string): boolean; toggle(ticket: Ticket): void; toggleAll(): void; all: boolean; some: boolean };

type Props = { tickets: Ticket[]; columns?: Column[]; names?: Map<string, string>; priorities?: Map<string, string>; sorted?: Sorted; selection?: Selection; current?: string | undefined };

/**
 * Tickets as a table (cards on a phone); the subject links to the ticket. With `selection`, each
 * row has a checkbox; `current` marks the row the keyboard shortcuts have chosen.
 */
export function TicketTable({ tickets, columns = [], names, priorities, sorted, selection, current }: Props) {
  const { t, formatDate } = useI18n();
  const ariaSort = (by: string) => (sorted?.by === by ? { 'aria-sort': sorted.order === 'asc' ? ('ascending' as const) : ('descending' as const) } : {});
  return (
    <table className="tickets">
      <thead>
        <tr>
          {selection && (
            <th scope="col" className="select-cell">
              <input
                type="checkbox"
                aria-label={t('bulk.selectAll')}
                checked={selection.all}
                ref={(box) => {
                  if (box) box.indeterminate = selection.some && !selection.all;
                }}
                onChange={selection.toggleAll}
              />
            </th>
          )}
          <th scope="col">{t('ticket.number')}</th>
          {columns.includes('tenant') && <th scope="col">{t('ticket.tenant')}</th>}
          <th scope="col">{t('ticket.subject')}</th>
          <th scope="col">{t('ticket.status')}</th>
          {columns.includes('assignee') && <th scope="col">{t('ticket.assignee')}</th>}
          {columns.includes('priority') && (
            <th scope="col" {...ariaSort('priority')}>
              {t('ticket.priority')}
            </th>
          )}
          {columns.includes('due') && (
            <th scope="col" {...ariaSort('due')}>
              {t('ticket.due')}
            </th>
          )}
          <th scope="col" {...ariaSort('updated')}>
            {t('ticket.updated')}
          </th>
        </tr>
      </thead>
      <tbody>
        {tickets.map((ticket) => (
          <tr key={ticket.id} data-ticket={ticket.number ?? ticket.id} data-id={ticket.id} className={ticket.id === current ? 'current' : undefined} aria-current={ticket.id === current ? 'true' : undefined}>
            {selection && (
              <td className="select-cell">
                <input type="checkbox" aria-label={t('bulk.select', { ticket: `${ticket.number ?? ''} ${ticket.subject}`.trim() })} checked={selection.isSelected(ticket.id)} onChange={() => selection.toggle(ticket)} />
              </td>
            )}
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
            {columns.includes('priority') && <td data-label={t('ticket.priority')}>{ticket.priorityId ? (priorities?.get(ticket.priorityId) ?? '…') : <span className="muted">{t('ticket.none')}</span>}</td>}
            {columns.includes('due') && (
              <td data-label={t('ticket.due')}>
                <DueDate ticket={ticket} />
              </td>
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
