import type { BacklogReport, DailyReport, SatisfactionFigures, SatisfactionReport, Summary } from '../../api/desk-types.ts';
import { BarList } from '../../components/charts/BarList.tsx';
import { ChartFrame, type Series } from '../../components/charts/ChartFrame.tsx';
import { ColumnChart } from '../../components/charts/ColumnChart.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { publicName } from '../../i18n/choice-words.ts';

/** Colours that keep 3:1 against white and against each other's neighbours; words carry the meaning too. */
const COLOURS = { created: '#1d4ed8', resolved: '#15803d', open: '#1d4ed8', pending: '#b45309', overdue: '#b91c1c', onTime: '#1d4ed8', sla: '#15803d', good: '#15803d', neutral: '#6b7280', bad: '#b91c1c' };

export function usePercent() {
  const { language } = useI18n();
  return (value: number | null) => (value === null ? '—' : `${value.toLocaleString(language, { maximumFractionDigits: 1 })} %`);
}

/** Tickets created and resolved per day of the range. */
export function DailyChart({ report }: { report: DailyReport }) {
  const { t, language } = useI18n();
  const day = new Intl.DateTimeFormat(language, { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const label = (date: string) => day.format(Date.parse(`${date}T00:00:00Z`));
  const series: Series[] = [
    { key: 'created', label: t('dashboard.created'), colour: COLOURS.created },
    { key: 'resolved', label: t('dashboard.resolved'), colour: COLOURS.resolved },
  ];
  const created = report.days.reduce((n, d) => n + d.created, 0);
  const resolved = report.days.reduce((n, d) => n + d.resolved, 0);
  return (
    <ChartFrame
      name="daily"
      title={t('dashboard.daily')}
      summary={t('dashboard.dailySummary', { days: report.days.length, created, resolved })}
      series={series}
      columns={[t('dashboard.day'), t('dashboard.created'), t('dashboard.resolved')]}
      rows={report.days.map((d) => ({ label: label(d.date), values: [d.created, d.resolved] }))}
    >
      <ColumnChart series={series} columns={report.days.map((d) => ({ key: d.date, label: label(d.date), values: { created: d.created, resolved: d.resolved } }))} />
    </ChartFrame>
  );
}

/**
 * Open and pending tickets now, by department or priority, with how many of them are overdue.
 * `tenantOf` names a department's tenant, for a role whose tenants may each have a "Support".
 */
export function BacklogChart({ report, tenantOf }: { report: BacklogReport; tenantOf?: Map<string, string | null> }) {
  const { t } = useI18n();
  const series: Series[] = [
    { key: 'open', label: t('state.open'), colour: COLOURS.open },
    { key: 'pending', label: t('state.pending'), colour: COLOURS.pending },
  ];
  const none = report.by === 'department' ? t('dashboard.noDepartment') : t('dashboard.noPriority');
  const labelOf = (i: BacklogReport['items'][number]) => {
    const tenant = i.id ? tenantOf?.get(i.id) : undefined;
    // A department is the tenant's own; a priority is a public row, said in the reader's language.
    const name = i.label === null ? (i.id ? '…' : none) : report.by === 'priority' ? publicName(t, i.label) : i.label;
    return tenant ? `${name} (${tenant})` : name;
  };
  const rows = report.items.map((i) => ({
    key: i.id ?? 'none',
    label: labelOf(i),
    values: { open: i.open, pending: i.pending },
    text: i.overdue ? `${i.total} ${t('dashboard.overdueNote', { n: i.overdue })}` : String(i.total),
  }));
  const total = report.items.reduce((n, i) => n + i.total, 0);
  return (
    <ChartFrame
      name={`backlog-${report.by}`}
      title={t(report.by === 'department' ? 'dashboard.byDepartment' : 'dashboard.byPriority')}
      summary={t('dashboard.backlogSummary', { total, groups: report.items.length })}
      series={series}
      columns={[t(report.by === 'department' ? 'ticket.department' : 'ticket.priority'), t('state.open'), t('state.pending'), t('dashboard.overdue'), t('dashboard.total')]}
      rows={rows.map((r, i) => ({ label: r.label, values: [report.items[i]!.open, report.items[i]!.pending, report.items[i]!.overdue, report.items[i]!.total] }))}
    >
      {rows.length ? <BarList rows={rows} series={series} /> : <p className="empty">{t('dashboard.noBacklog')}</p>}
    </ChartFrame>
  );
}

/** SLA compliance over the range: overall, and per tenant for a role reading several. */
export function SlaChart({ summary }: { summary: Summary }) {
  const { t } = useI18n();
  const percent = usePercent();
  const series: Series[] = [{ key: 'sla', label: t('dashboard.slaCompliance'), colour: COLOURS.sla }];
  const all = { key: 'all', label: t('dashboard.allTenants'), figures: summary };
  const lines = [...(summary.tenants ?? []).map((x) => ({ key: x.tenant ?? String(x.tenantId), label: x.tenant ?? String(x.tenantId), figures: x })), ...(summary.tenants ? [all] : [{ ...all, label: t('dashboard.thisDesk') }])];
  return (
    <ChartFrame
      name="sla"
      title={t('dashboard.slaCompliance')}
      summary={t('dashboard.slaSummary', { value: percent(summary.slaCompliance) })}
      series={series}
      columns={[t('ticket.tenant'), t('dashboard.slaCompliance'), t('dashboard.resolved')]}
      rows={lines.map((l) => ({ label: l.label, values: [percent(l.figures.slaCompliance), l.figures.resolved] }))}
    >
      <BarList
        rows={lines.map((l) => ({ key: l.key, label: l.label, values: { sla: l.figures.slaCompliance ?? 0 }, text: l.figures.slaCompliance === null ? t('dashboard.noData') : percent(l.figures.slaCompliance) }))}
        series={series}
        max={100}
      />
    </ChartFrame>
  );
}

/** For a role reading several tenants: each tenant's open tickets, the overdue ones apart. */
export function TenantBacklogChart({ summary }: { summary: Summary }) {
  const { t } = useI18n();
  const series: Series[] = [
    { key: 'overdue', label: t('dashboard.overdue'), colour: COLOURS.overdue },
    { key: 'onTime', label: t('dashboard.notOverdue'), colour: COLOURS.onTime },
  ];
  const tenants = summary.tenants ?? [];
  return (
    <ChartFrame
      name="tenants"
      title={t('dashboard.byTenant')}
      summary={t('dashboard.byTenantSummary', { tenants: tenants.length, open: summary.open, overdue: summary.overdue })}
      series={series}
      columns={[t('ticket.tenant'), t('state.open'), t('dashboard.overdue'), t('dashboard.created'), t('dashboard.resolved')]}
      rows={tenants.map((x) => ({ label: x.tenant ?? String(x.tenantId), values: [x.open, x.overdue, x.created, x.resolved] }))}
    >
      <BarList rows={tenants.map((x) => ({ key: String(x.tenantId), label: x.tenant ?? String(x.tenantId), values: { overdue: x.overdue, onTime: x.open - x.overdue } }))} series={series} />
    </ChartFrame>
  );
}

/** Customer satisfaction since the first rating: the ratings good (4-5), middling and bad (1-2), per tenant for a role reading several. */
export function SatisfactionChart({ report, several }: { report: SatisfactionReport; several: boolean }) {
  const { t, formatNumber } = useI18n();
  const series: Series[] = [
    { key: 'good', label: t('dashboard.ratingsGood'), colour: COLOURS.good },
    { key: 'neutral', label: t('dashboard.ratingsNeutral'), colour: COLOURS.neutral },
    { key: 'bad', label: t('dashboard.ratingsBad'), colour: COLOURS.bad },
  ];
  const all = { key: 'all', label: t(several ? 'dashboard.allTenants' : 'dashboard.thisDesk'), figures: report as SatisfactionFigures };
  const lines = [...(several ? report.tenants.map((x) => ({ key: String(x.tenantId), label: x.tenant ?? String(x.tenantId), figures: x as SatisfactionFigures })) : []), all];
  const average = (f: SatisfactionFigures) => (f.average === null ? '—' : formatNumber(f.average));
  return (
    <ChartFrame
      name="satisfaction"
      title={t('dashboard.satisfaction')}
      summary={t('dashboard.satisfactionSummary', { ratings: report.ratings, average: average(report) })}
      series={series}
      columns={[t('ticket.tenant'), t('dashboard.ratings'), t('dashboard.averageRating'), t('dashboard.ratingsGood'), t('dashboard.ratingsBad')]}
      rows={lines.map((l) => ({ label: l.label, values: [l.figures.ratings, average(l.figures), l.figures.good, l.figures.bad] }))}
    >
      {report.ratings ? (
        <BarList rows={lines.map((l) => ({ key: l.key, label: l.label, values: { good: l.figures.good, neutral: l.figures.ratings - l.figures.good - l.figures.bad, bad: l.figures.bad } }))} series={series} />
      ) : (
        <p className="empty">{t('dashboard.noRatings')}</p>
      )}
    </ChartFrame>
  );
}
