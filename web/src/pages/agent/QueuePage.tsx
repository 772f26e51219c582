import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useContactNames, useReadableTenants, useTickets, type QueueFilters } from '../../api/queries.ts';
import type { Me, TicketState } from '../../api/types.ts';
import { readsSeveralTenants } from '../../app/session.ts';
import { ErrorMessage, Loading } from '../../components/ErrorMessage.tsx';
import { TicketTable } from '../../components/TicketTable.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { Options, tenantOptions } from '../../components/Options.tsx';

const VIEWS = ['all', 'mine', 'unassigned'] as const;
type View = (typeof VIEWS)[number];
const STATES: TicketState[] = ['open', 'pending', 'resolved', 'closed'];

/**
 * The agent's queue: views (all, mine, unassigned), status, search, and for a role reading several
 * tenants (the service provider's console) a tenant column and filter. Filters live in the address,
 * so a view can be bookmarked; pages follow the API's cursor; the list refreshes itself.
 */
export function QueuePage({ me }: { me: Me }) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const several = readsSeveralTenants(me);
  const tenants = useReadableTenants(several);
  const view = (VIEWS as readonly string[]).includes(params.get('view') ?? '') ? (params.get('view') as View) : 'all';
  const status = STATES.find((s) => s === params.get('status'));
  const q = params.get('q') ?? '';
  const tenantSlug = params.get('tenant') ?? '';
  const tenantId = tenants.data?.find((t) => t.slug === tenantSlug)?.id;
  const filters: QueueFilters = { status, q: q || undefined, assignee: view === 'mine' ? 'me' : undefined, tenantId };
  const waitingForTenant = tenantSlug !== '' && tenantId === undefined && tenants.isPending;
  const tickets = useTickets(filters);
  const names = useContactNames();
  const [search, setSearch] = useState(q);

  const change = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    change('q', search.trim());
  };

  // The API has no "unassigned" filter yet: that view filters the pages fetched so far.
  const all = tickets.data?.pages.flatMap((p) => p.items) ?? [];
  const items = view === 'unassigned' ? all.filter((ticket) => !ticket.assigneeId) : all;

  return (
    <>
      <div className="page-head">
        <h1>{several ? t('queue.spTitle') : t('queue.title')}</h1>
        <Link className="button" to="/tickets/new">
          {t('nav.newTicket')}
        </Link>
      </div>
      <div className="filters" role="search">
        <div className="tabs" role="group" aria-label={t('queue.view')}>
          {VIEWS.map((v) => (
            <button key={v} type="button" className={`tab ${v === view ? 'active' : ''}`} aria-pressed={v === view} onClick={() => change('view', v === 'all' ? '' : v)}>
              {t(v === 'mine' ? 'queue.mine' : v === 'unassigned' ? 'queue.unassigned' : 'queue.all')}
            </button>
          ))}
        </div>
        <label className="inline-field">
          <span>{t('ticket.status')}</span>
          <select name="status" value={status ?? ''} onChange={(e) => change('status', e.target.value)}>
            <Options empty={t('queue.anyStatus')} items={STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))} />
          </select>
        </label>
        {several && (
          <label className="inline-field">
            <span>{t('ticket.tenant')}</span>
            <select name="tenant" value={tenantSlug} onChange={(e) => change('tenant', e.target.value)}>
              <Options empty={t('queue.anyTenant')} items={tenantOptions(tenants.data)} />
            </select>
          </label>
        )}
        <form onSubmit={submitSearch} className="search">
          <label className="inline-field">
            <span className="visually-hidden">{t('queue.search')}</span>
            <input type="search" name="q" placeholder={t('queue.search')} aria-label={t('queue.search')} value={search} onChange={(e) => setSearch(e.target.value)} />
          </label>
          <button type="submit" className="button secondary">
            {t('actions.search')}
          </button>
        </form>
      </div>
      <p className="muted small" aria-live="polite">
        {t('queue.live')} {tickets.data && t('queue.shown', { n: items.length })}
      </p>
      {tickets.isPending || waitingForTenant ? (
        <Loading />
      ) : tickets.isError ? (
        <ErrorMessage error={tickets.error} onRetry={() => void tickets.refetch()} />
      ) : items.length === 0 ? (
        <p className="empty">{t('queue.empty')}</p>
      ) : (
        <TicketTable tickets={items} columns={several ? ['tenant', 'assignee'] : ['assignee']} names={names} />
      )}
      {tickets.hasNextPage && (
        <button type="button" className="button secondary" onClick={() => void tickets.fetchNextPage()} disabled={tickets.isFetchingNextPage}>
          {t('actions.loadMore')}
        </button>
      )}
    </>
  );
}
