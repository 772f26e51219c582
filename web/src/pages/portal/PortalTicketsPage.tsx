import { Link, useLocation } from 'react-router';
import { useTickets } from '../../api/queries.ts';
import { TicketTable } from '../../components/TicketTable.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { QueryView } from '../../components/QueryView.tsx';

/** A customer's own tickets (the customer role's data partition limits the queue to them). */
export function PortalTicketsPage() {
  const { t } = useI18n();
  const tickets = useTickets({});
  const items = tickets.data?.pages.flatMap((p) => p.items) ?? [];
  // Set by the new-ticket page when an article solved the problem instead (deflection).
  const deflected = (useLocation().state as { deflected?: boolean } | null)?.deflected === true;
  return (
    <>
      <div className="page-head">
        <h1>{t('portal.title')}</h1>
        <Link className="button" to="/tickets/new">
          {t('portal.open')}
        </Link>
      </div>
      {deflected && (
        <p role="status" className="alert">
          {t('kb.deflected')}
        </p>
      )}
      <QueryView query={tickets} isEmpty={() => items.length === 0} empty={<p className="empty">{t('portal.empty')}</p>}>
        {(data) => (
          <TicketTable tickets={items} />
        )}
      </QueryView>
      {tickets.hasNextPage && (
        <button type="button" className="button secondary" onClick={() => void tickets.fetchNextPage()} disabled={tickets.isFetchingNextPage}>
          {t('actions.loadMore')}
        </button>
      )}
    </>
  );
}
