import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useLive } from '../../api/live-state.ts';
import { useChoices, useConfigList, useContactNames, useReadableTenants, useTickets, type QueueFilters, type QueueSort } from '../../api/queries.ts';
import type { Me, TicketState } from '../../api/types.ts';
import { readsSeveralTenants } from '../../app/session.ts';
import { ErrorMessage, Loading } from '../../components/ErrorMessage.tsx';
import { TicketTable } from '../../components/TicketTable.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import type { MessageKey } from '../../i18n/messages.ts';
import { Options, tenantOptions } from '../../components/Options.tsx';
import { BulkBar } from './BulkBar.tsx';
import { SavedViews } from './SavedViews.tsx';
import { useQueueKeys } from './queue-keys.ts';
import { useQueueSelection } from './queue-selection.ts';

const VIEWS = ['all', 'mine', 'unassigned', 'overdue'] as const;
type View = (typeof VIEWS)[number];
const VIEW_LABELS: Record<View, MessageKey> = { all: 'queue.all', mine: 'queue.mine', unassigned: 'queue.unassigned', overdue: 'queue.overdue' };
const STATES: TicketState[] = ['open', 'pending', 'resolved', 'closed'];
const SORTS: QueueSort[] = ['created', 'updated', 'due', 'priority'];
/** Each sort's natural direction, as the API's default: newest, soonest due, most urgent first. */
const NATURAL: Record<QueueSort, 'asc' | 'desc'> = { created: 'desc', updated: 'desc', due: 'asc', priority: 'desc' };

const pick = <T extends string>(values: readonly T[], value: string | null, fallback: T): T => (values as readonly string[]).includes(value ?? '') ? (value as T) : fallback;

/**
 * The agent's queues: all, mine, unassigned, overdue, and any of them by department; status and
 * search filters, a sort (created, updated, due date, priority) either way, and for a role reading
 * several tenants (the service provider's console) a tenant column and filter. Everything is
 * filtered and sorted by the API and lives in the address, so a queue can be bookmarked; pages
 * follow the API's cursor; the list refreshes itself.
 */
export function QueuePage({ me }: { me: Me }) {
  const { t } = useI18n();
  const live = useLive();
  const [params, setParams] = useSearchParams();
  const several = readsSeveralTenants(me);
  const tenants = useReadableTenants(several);
  const view = pick(VIEWS, params.get('view'), 'all');
  const status = STATES.find((s) => s === params.get('status'));
  const sort = pick(SORTS, params.get('sort'), 'created');
  const order = pick(['asc', 'desc'] as const, params.get('order'), NATURAL[sort]);
  const q = params.get('q') ?? '';
  const tenantSlug = params.get('tenant') ?? '';
  const tenantId = tenants.data?.find((t) => t.slug === tenantSlug)?.id;
  const departmentId = params.get('department') ?? '';
  const filters: QueueFilters = {
    status,
    q: q || undefined,
    assignee: view === 'mine' ? 'me' : view === 'unassigned' ? 'none' : undefined,
    overdue: view === 'overdue' ? 'true' : undefined,
    departmentId: departmentId || undefined,
    tenantId,
    sort,
    order,
  };
  const waitingForTenant = tenantSlug !== '' && tenantId === undefined && tenants.isPending;
  const tickets = useTickets(filters);
  const names = useContactNames();
  // Priorities are public rows, but a role writing several tenants must name one for a lookup
  // (TENANT_REQUIRED): any tenant it writes gives the same list, used here for labels only.
  const labelTenant = several ? tenants.data?.find((t) => t.writable)?.slug : undefined;
  const priorities = useChoices('ticket', 'priority_id', labelTenant, !several || labelTenant !== undefined);
  const departments = useConfigList('departments');
  const [search, setSearch] = useState(q);
  // Opening a saved view changes the address: the search box follows it.
  useEffect(() => setSearch(q), [q]);

  const change = (values: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [name, value] of Object.entries(values)) {
      if (value) next.set(name, value);
      else next.delete(name);
    }
    setParams(next, { replace: true });
  };
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    change({ q: search.trim() });
  };

  const items = tickets.data?.pages.flatMap((p) => p.items) ?? [];
  const bulk = useQueueSelection(items);
  const current = useQueueKeys(items);
  const departmentOptions = (departments.data ?? [])
    .filter((d) => !tenantSlug || d.tenant === tenantSlug)
    .map((d) => ({ value: d.id, label: several && d.tenant ? `${String(d.name)} (${d.tenant})` : String(d.name) }));

  return (
    <>
      <div className="page-head">
        <h1>{several ? t('queue.spTitle') : t('queue.title')}</h1>
        <Link className="button" to="/tickets/new">
          {t('nav.newTicket')}
        </Link>
      </div>
      <SavedViews params={params} />
      <div className="tabs" role="group" aria-label={t('queue.view')}>
        {VIEWS.map((v) => (
          <button key={v} type="button" className={`tab ${v === view ? 'active' : ''}`} aria-pressed={v === view} onClick={() => change({ view: v === 'all' ? '' : v })}>
            {t(VIEW_LABELS[v])}
          </button>
        ))}
      </div>
      <div className="filters" role="search" aria-label={t('queue.filters')}>
        <label className="inline-field">
          <span>{t('ticket.department')}</span>
          <select name="department" value={departmentId} onChange={(e) => change({ department: e.target.value })}>
            <Options empty={t('queue.anyDepartment')} items={departmentOptions} />
          </select>
        </label>
        <label className="inline-field">
          <span>{t('ticket.status')}</span>
          <select name="status" value={status ?? ''} onChange={(e) => change({ status: e.target.value })}>
            <Options empty={t('queue.anyStatus')} items={STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))} />
          </select>
        </label>
        {several && (
          <label className="inline-field">
            <span>{t('ticket.tenant')}</span>
            <select name="tenant" value={tenantSlug} onChange={(e) => change({ tenant: e.target.value, department: '' })}>
              <Options empty={t('queue.anyTenant')} items={tenantOptions(tenants.data)} />
            </select>
          </label>
        )}
        <label className="inline-field">
          <span>{t('queue.sortBy')}</span>
          {/* A new sort starts in its natural direction. */}
          <select name="sort" value={sort} onChange={(e) => change({ sort: e.target.value === 'created' ? '' : e.target.value, order: '' })}>
            <Options items={SORTS.map((s) => ({ value: s, label: t(`sort.${s}`) }))} />
          </select>
        </label>
        <label className="inline-field">
          <span>{t('queue.order')}</span>
          <select name="order" value={order} onChange={(e) => change({ order: e.target.value === NATURAL[sort] ? '' : e.target.value })}>
            <Options items={(['asc', 'desc'] as const).map((o) => ({ value: o, label: t(`order.${sort}.${o}`) }))} />
          </select>
        </label>
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
        {t(live ? 'queue.liveNow' : 'queue.live')} {tickets.data && t('queue.shown', { n: items.length })}
      </p>
      <BulkBar me={me} selected={bulk.selected} onClear={bulk.clear} onDone={bulk.keepRefused} />
      {tickets.isPending || waitingForTenant ? (
        <Loading />
      ) : tickets.isError ? (
        <ErrorMessage error={tickets.error} onRetry={() => void tickets.refetch()} />
      ) : items.length === 0 ? (
        <p className="empty">{t(view === 'overdue' ? 'queue.noneOverdue' : 'queue.empty')}</p>
      ) : (
        <TicketTable
          tickets={items}
          columns={several ? ['tenant', 'assignee', 'priority', 'due'] : ['assignee', 'priority', 'due']}
          names={names}
          priorities={new Map((priorities.data ?? []).map((p) => [p.id, p.label]))}
          sorted={{ by: sort, order }}
          selection={bulk.selection}
          current={current}
        />
      )}
      {tickets.hasNextPage && (
        <button type="button" className="button secondary" onClick={() => void tickets.fetchNextPage()} disabled={tickets.isFetchingNextPage}>
          {t('actions.loadMore')}
        </button>
      )}
    </>
  );
}
