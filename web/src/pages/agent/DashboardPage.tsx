import { Link, useSearchParams } from 'react-router';
import { useBacklog, useDaily, useSatisfaction, useSummary } from '../../api/desk-queries.ts';
import type { ReportRange, Summary } from '../../api/desk-types.ts';
import { useConfigList, useReadableTenants } from '../../api/queries.ts';
import type { Me } from '../../api/types.ts';
import { readsSeveralTenants } from '../../app/session.ts';
import { ErrorMessage, Loading } from '../../components/ErrorMessage.tsx';
import { Options, tenantOptions } from '../../components/Options.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { dateWords } from '../../i18n/date-words.ts';
import { DateInput } from '../../components/DateInput.tsx';
import { BacklogChart, DailyChart, SlaChart, SatisfactionChart, TenantBacklogChart, usePercent } from './DashboardCharts.tsx';

const DAY_MS = 86_400_000;
/** A local calendar date (YYYY-MM-DD) `days` from today. */
export const localDate = (days = 0) => {
  const at = new Date(Date.now() + days * DAY_MS);
  return new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
};
export const dayAfter = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/**
 * The dashboard of GET /api/v1/reports/*: headline figures, tickets created and resolved per day,
 * the backlog by department and priority, SLA compliance; for a role reading several tenants a
 * tenant filter and a per-tenant breakdown. The range is in the address (bookmarkable) and read in
 * the browser's time zone; "until" is inclusive (the API's `to` is the day after).
 */
export function DashboardPage({ me }: { me: Me }) {
  const { t, language } = useI18n();
  const [params, setParams] = useSearchParams();
  const several = readsSeveralTenants(me);
  const tenants = useReadableTenants(several);
  const from = params.get('from') ?? localDate(-29);
  const until = params.get('until') ?? localDate();
  const tenantSlug = params.get('tenant') ?? '';
  const tenantId = tenants.data?.find((x) => x.slug === tenantSlug)?.id;
  const range: ReportRange = { from, to: dayAfter(until), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, tenantId };
  const change = (name: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  return (
    <>
      <div className="page-head">
        <h1>{t('dashboard.title')}</h1>
        {/* Linked from here, not the header: the header holds one line at 1366 px (decision 0137). */}
        <Link to="/kb-report">{t('kb.report.nav')}</Link>
      </div>
      <form className="filters" aria-label={t('dashboard.range')} onSubmit={(e) => e.preventDefault()}>
        <label className="inline-field">
          <span>{t('dashboard.from')}</span>
          <DateInput name="from" aria-describedby="dashboard-from-words" value={from} required onChange={(day) => day && day <= until && change('from', day)} />
          <span id="dashboard-from-words" className="hint">
            {dateWords(from, language)}
          </span>
        </label>
        <label className="inline-field">
          <span>{t('dashboard.until')}</span>
          <DateInput name="until" aria-describedby="dashboard-until-words" value={until} required onChange={(day) => day && day >= from && change('until', day)} />
          <span id="dashboard-until-words" className="hint">
            {dateWords(until, language)}
          </span>
        </label>
        {several && (
          <label className="inline-field">
            <span>{t('ticket.tenant')}</span>
            <select name="tenant" value={tenantSlug} onChange={(e) => change('tenant', e.target.value)}>
              <Options empty={t('queue.anyTenant')} items={tenantOptions(tenants.data)} />
            </select>
          </label>
        )}
      </form>
      {tenantSlug && tenantId === undefined && tenants.isPending ? <Loading /> : <Reports range={range} tenantSlug={tenantSlug} several={several && !tenantSlug} />}
    </>
  );
}

function Reports({ range, tenantSlug, several }: { range: ReportRange; tenantSlug: string; several: boolean }) {
  const summary = useSummary(range);
  // Over several tenants, a department is named with its tenant ("Support (acme)").
  const departments = useConfigList('departments', several);
  const tenantOf = several ? new Map((departments.data ?? []).map((d) => [d.id, d.tenant])) : undefined;
  const daily = useDaily(range);
  const byDepartment = useBacklog('department', range.tenantId);
  const byPriority = useBacklog('priority', range.tenantId);
  const satisfaction = useSatisfaction(range.tenantId);
  const retry = (query: { refetch(): unknown }) => () => void query.refetch();
  return (
    <>
      {summary.isPending ? <Loading /> : summary.isError ? <ErrorMessage error={summary.error} onRetry={retry(summary)} /> : <Figures summary={summary.data} tenantSlug={tenantSlug} />}
      <div className="charts">
        {daily.isPending ? <Loading /> : daily.isError ? <ErrorMessage error={daily.error} onRetry={retry(daily)} /> : <DailyChart report={daily.data} />}
        {summary.data && <SlaChart summary={summary.data} />}
        {byDepartment.isPending ? <Loading /> : byDepartment.isError ? <ErrorMessage error={byDepartment.error} /> : <BacklogChart report={byDepartment.data} tenantOf={tenantOf} />}
        {byPriority.isPending ? <Loading /> : byPriority.isError ? <ErrorMessage error={byPriority.error} /> : <BacklogChart report={byPriority.data} />}
        {summary.data?.tenants && <TenantBacklogChart summary={summary.data} />}
        {satisfaction.isPending ? <Loading /> : satisfaction.isError ? <ErrorMessage error={satisfaction.error} /> : <SatisfactionChart report={satisfaction.data} several={several} />}
      </div>
    </>
  );
}

/** The headline figures; overdue leads to the overdue queue. */
function Figures({ summary, tenantSlug }: { summary: Summary; tenantSlug: string }) {
  const { t } = useI18n();
  const percent = usePercent();
  const minutes = useMinutes();
  const figures = [
    { key: 'open', label: t('dashboard.open'), value: String(summary.open) },
    { key: 'overdue', label: t('dashboard.overdue'), value: String(summary.overdue), link: `/queue?view=overdue${tenantSlug ? `&tenant=${encodeURIComponent(tenantSlug)}` : ''}` },
    { key: 'created', label: t('dashboard.created'), value: String(summary.created) },
    { key: 'resolved', label: t('dashboard.resolved'), value: String(summary.resolved) },
    { key: 'slaCompliance', label: t('dashboard.slaCompliance'), value: percent(summary.slaCompliance) },
    { key: 'firstResponse', label: t('dashboard.firstResponse'), value: minutes(summary.firstResponseMinutes.median) },
    { key: 'resolution', label: t('dashboard.resolution'), value: minutes(summary.resolutionMinutes.median) },
  ];
  return (
    <dl className="figures">
      {figures.map((f) => (
        <div key={f.key} className="figure card" data-figure={f.key}>
          <dt>{f.label}</dt>
          <dd>{f.link ? <Link to={f.link}>{f.value}</Link> : f.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A duration in whole minutes as "2 h 05 min" / "3 d 4 h" ("—" when there is none). */
function useMinutes() {
  const { t } = useI18n();
  return (value: number | null) => {
    if (value === null) return '—';
    const total = Math.round(value);
    const days = Math.floor(total / 1440);
    const hours = Math.floor((total % 1440) / 60);
    const mins = total % 60;
    if (days) return t('duration.daysHours', { d: days, h: hours });
    if (hours) return t('duration.hoursMinutes', { h: hours, m: String(mins).padStart(2, '0') });
    return t('duration.minutes', { m: mins });
  };
}
