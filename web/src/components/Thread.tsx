import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { Attachment } from '../api/desk-types.ts';
import type { ThreadEntry, TicketState } from '../api/types.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { AttachmentList } from './Attachments.tsx';

const STATES = new Set(['open', 'pending', 'resolved', 'closed']);

/**
 * A ticket's conversation, oldest first. Replies and internal notes look different (colour, label,
 * an explicit "internal" heading) so nobody mistakes one for the other. Bodies are HTML the server
 * sanitized on the way in (src/desk/sanitize.ts); the page's CSP forbids inline script anyway.
 */
export function Thread({ entries, meId, names, attachments }: { entries: ThreadEntry[]; meId: string; names: Map<string, string>; attachments?: Map<string, Attachment[]> | undefined }) {
  const { t, formatDate } = useI18n();
  if (entries.length === 0) return <p className="empty">{t('thread.empty')}</p>;
  const author = (id: string | null) => (id === meId ? t('thread.you') : (id && names.get(id)) || t('thread.support'));
  const label = (value: unknown) => {
    if (value === null || value === undefined) return t('ticket.none');
    if (typeof value === 'string' && STATES.has(value)) return t(`state.${value as TicketState}`);
    return typeof value === 'string' ? (names.get(value) ?? t('ticket.none')) : String(value);
  };
  const describe = (entry: ThreadEntry): ReactNode => {
    const { event, from, to, ticketId, number, contactId, clock } = entry.data as Record<string, unknown>;
    if (event === 'status') return t('event.status', { from: label(from), to: label(to) });
    if (event === 'assignment') return t('event.assignment', { from: from ? label(from) : t('ticket.unassigned'), to: to ? label(to) : t('ticket.unassigned') });
    if (event === 'transfer') return t('event.transfer');
    if (event === 'merged' && typeof to === 'string') return <Link to={`/tickets/${to}`}>{t('event.merged')}</Link>;
    if (event === 'merged-in' && typeof ticketId === 'string') return <Link to={`/tickets/${ticketId}`}>{t('event.mergedIn', { number: String(number ?? '') })}</Link>;
    if (event === 'collaborator-added' || event === 'collaborator-removed') {
      const who = (typeof contactId === 'string' && names.get(contactId)) || t('thread.someone');
      return t(event === 'collaborator-added' ? 'event.collaboratorAdded' : 'event.collaboratorRemoved', { name: who });
    }
    if (event === 'sla-breach') return t(clock === 'first-response' ? 'event.firstResponseOverdue' : 'event.resolutionOverdue');
    return t('event.other', { event: String(event ?? '') });
  };
  return (
    <ol className="thread">
      {entries.map((entry) =>
        entry.kind === 'event' ? (
          <li key={entry.id} className="entry-event">
            <span>{describe(entry)}</span> · <span>{author(entry.authorId)}</span> · <time dateTime={entry.createdAt}>{formatDate(entry.createdAt)}</time>
          </li>
        ) : (
          <li key={entry.id} className={`entry entry-${entry.kind}`} data-kind={entry.kind}>
            <div className="entry-head">
              <span className={`entry-kind entry-kind-${entry.kind}`}>{entry.kind === 'note' ? t('thread.note') : t('thread.reply')}</span>
              <strong>{author(entry.authorId)}</strong>
              <time dateTime={entry.createdAt}>{formatDate(entry.createdAt)}</time>
            </div>
            {entry.kind === 'note' && <p className="entry-note-hint">{t('thread.noteHint')}</p>}
            <div className="entry-body" dangerouslySetInnerHTML={{ __html: entry.bodyHtml }} />
            <AttachmentList items={attachments?.get(entry.id) ?? []} />
          </li>
        ),
      )}
    </ol>
  );
}
