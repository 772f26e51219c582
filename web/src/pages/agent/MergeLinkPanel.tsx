import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useLinks, useMergeAndLink, useTicketSearch } from '../../api/desk-queries.ts';
import type { LinkKind, TicketLink } from '../../api/desk-types.ts';
import type { Ticket } from '../../api/types.ts';
import { ErrorMessage, Loading, Notice } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { Options } from '../../components/Options.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { QueryList, SidePanel } from './SidePanel.tsx';

const KINDS: LinkKind[] = ['related', 'duplicate', 'caused-by'];

/**
 * Linked tickets, and linking or merging this ticket with another of its tenant: find the other
 * by number or words, choose it, then link it or merge this one into it (after a confirmation:
 * merging closes this ticket for good).
 */
export function MergeLinkPanel({ ticket }: { ticket: Ticket }) {
  const { t } = useI18n();
  const { links, tickets } = useLinks(ticket.id);
  const { merge, link } = useMergeAndLink(ticket.id);
  const [text, setText] = useState('');
  const [searched, setSearched] = useState('');
  const results = useTicketSearch(searched, ticket.tenantId);
  const [otherId, setOtherId] = useState('');
  const [kind, setKind] = useState<LinkKind>('related');
  const [confirming, setConfirming] = useState(false);
  const candidates = (results.data ?? []).filter((other) => other.id !== ticket.id && !other.mergedIntoId);
  const other = candidates.find((c) => c.id === otherId);
  const kindLabel = (k: LinkKind) => t(k === 'duplicate' ? 'links.duplicate' : k === 'caused-by' ? 'links.causedBy' : 'links.related');

  const search = (event: FormEvent) => {
    event.preventDefault();
    setOtherId('');
    setConfirming(false);
    setSearched(text.trim());
  };
  const done = () => {
    setOtherId('');
    setConfirming(false);
  };

  const otherOf = (l: TicketLink) => (l.ticketId === ticket.id ? l.linkedTicketId : l.ticketId);

  return (
    <SidePanel id="links-title" title={t('links.title')}>
      <QueryList
        query={links}
        empty={t('links.none')}
        className="links"
        item={(l) => {
          const otherTicket = tickets.get(otherOf(l));
          return (
            <span>
              <span className="tag tag-public">{kindLabel(l.kind)}</span> <Link to={`/tickets/${otherOf(l)}`}>{otherTicket ? `${otherTicket.number} · ${otherTicket.subject}` : '…'}</Link>
            </span>
          );
        }}
      />
      <form className="form" onSubmit={search} role="search" aria-label={t('links.find')}>
        <Field label={t('links.find')} hint={t('links.findHint')}>
          <input type="search" name="other" value={text} onChange={(e) => setText(e.target.value)} />
        </Field>
        <button type="submit" className="button secondary small">
          {t('actions.search')}
        </button>
      </form>
      {searched && results.isPending && <Loading />}
      {results.isError && <ErrorMessage error={results.error} />}
      {searched && results.data && candidates.length === 0 && <p className="muted small">{t('links.noMatch')}</p>}
      {candidates.length > 0 && (
        <fieldset className="choices">
          <legend>{t('links.choose')}</legend>
          {candidates.map((c) => (
            <label key={c.id} className="choice">
              <input type="radio" name="other-ticket" value={c.id} checked={otherId === c.id} onChange={() => {
                  setOtherId(c.id);
                  setConfirming(false);
                }} />
              <span className="mono">{c.number}</span> {c.subject}
            </label>
          ))}
        </fieldset>
      )}
      {other && (
        <div className="form">
          <Field label={t('links.kind')}>
            <select name="kind" value={kind} onChange={(e) => setKind(e.target.value as LinkKind)}>
              <Options items={KINDS.map((k) => ({ value: k, label: kindLabel(k) }))} />
            </select>
          </Field>
          <div className="actions">
            <button type="button" className="button secondary" disabled={link.isPending} onClick={() => link.mutate({ ticketId: other.id, kind }, { onSuccess: done })}>
              {t('links.link')}
            </button>
            {!ticket.mergedIntoId && !confirming && (
              <button type="button" className="button danger" onClick={() => setConfirming(true)}>
                {t('merge.button')}
              </button>
            )}
          </div>
          {confirming && (
            <div role="alert" className="alert alert-warning">
              <p>{t('merge.confirmText', { number: ticket.number ?? '', target: other.number ?? '' })}</p>
              <div className="actions">
                <button type="button" className="button danger" disabled={merge.isPending} onClick={() => merge.mutate({ targetId: other.id, version: ticket.version }, { onSuccess: done })}>
                  {t('merge.confirm', { target: other.number ?? '' })}
                </button>
                <button type="button" className="button secondary" onClick={() => setConfirming(false)}>
                  {t('actions.cancel')}
                </button>
              </div>
            </div>
          )}
        </div>
      )}
      {link.isError && <ErrorMessage error={link.error} />}
      {merge.isError && <ErrorMessage error={merge.error} />}
      {link.isSuccess && <Notice>{t('links.linked')}</Notice>}
    </SidePanel>
  );
}
