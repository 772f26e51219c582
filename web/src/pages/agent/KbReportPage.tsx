import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client.ts';
import { kbReportUrl, type KbArticle, type KbFigures, type KbReport } from '../../api/kb-queries.ts';
import { useReadableTenants } from '../../api/queries.ts';
import type { Me } from '../../api/types.ts';
import { readsSeveralTenants } from '../../app/session.ts';
import { ErrorMessage, Loading } from '../../components/ErrorMessage.tsx';
import { Options, tenantOptions } from '../../components/Options.tsx';
import { useI18n } from '../../i18n/i18n.tsx';
import { dayAfter, localDate } from './DashboardPage.tsx';

const FIGURES = [
  ['views', 'kb.report.views'],
  ['searches', 'kb.report.searches'],
  ['searchesWithoutResult', 'kb.report.noResult'],
  ['deflections', 'kb.report.deflections'],
  ['helpful', 'kb.report.helpful'],
  ['notHelpful', 'kb.report.notHelpful'],
] as const;

/**
 * The knowledge base's report (GET /api/v1/reports/kb) over the last 30 days: views, searches and
 * those that found nothing, tickets avoided, votes; per tenant for a role reading several (the
 * service provider), with a tenant filter; the same figures as a CSV file.
 */
export function KbReportPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const several = readsSeveralTenants(me);
  const tenants = useReadableTenants(several);
  const tenantSlug = params.get('tenant') ?? '';
  const tenantId = tenants.data?.find((x) => x.slug === tenantSlug)?.id;
  const range = { from: localDate(-29), to: dayAfter(localDate()), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, tenantId };
  const report = useQuery({ queryKey: ['scoped', 'reports', 'kb', range], queryFn: () => api<KbReport>('GET', kbReportUrl(range)), enabled: !tenantSlug || tenantId !== undefined });
  // Titles of the articles the agent reads; another tenant's top article is shown by its id.
  const articles = useQuery({ queryKey: ['scoped', 'kb-editor'], queryFn: () => api<{ items: KbArticle[] }>('GET', '/api/v1/kb/articles?limit=500') });
  const titleOf = (id: string) => articles.data?.items.find((a) => a.id === id)?.title ?? id;
  const figures = (f: KbFigures) => FIGURES.map(([key]) => <td key={key}>{f[key]}</td>);

  return (
    <>
      <div className="page-head">
        <h1>{t('kb.report.title')}</h1>
        <a className="button" href={kbReportUrl(range, true)} download="kb.csv">
          {t('kb.report.csv')}
        </a>
      </div>
      {several && (
        <form className="filters" onSubmit={(e) => e.preventDefault()}>
          <label className="inline-field">
            <span>{t('ticket.tenant')}</span>
            <select name="tenant" value={tenantSlug} onChange={(e) => setParams(e.target.value ? { tenant: e.target.value } : {}, { replace: true })}>
              <Options empty={t('queue.anyTenant')} items={tenantOptions(tenants.data)} />
            </select>
          </label>
        </form>
      )}
      {report.isError && <ErrorMessage error={report.error} />}
      {report.isPending && <Loading />}
      {report.data && (
        <>
          <dl className="figures" aria-label={t('kb.report.title')}>
            {FIGURES.map(([key, label]) => (
              <div key={key}>
                <dt>{t(label)}</dt>
                <dd data-figure={key}>{report.data[key]}</dd>
              </div>
            ))}
          </dl>
          {report.data.tenants && (
            <section className="card">
              <h2>{t('kb.report.byTenant')}</h2>
              <table className="table" aria-label={t('kb.report.byTenant')}>
                <thead>
                  <tr>
                    <th scope="col">{t('kb.report.tenant')}</th>
                    {FIGURES.map(([key, label]) => (
                      <th key={key} scope="col">
                        {t(label)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {report.data.tenants.map((row) => (
                    <tr key={row.tenantId}>
                      <th scope="row">{row.tenant ?? row.tenantId}</th>
                      {figures(row)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          <ListTable
            title={t('kb.report.unanswered')}
            empty={t('kb.report.nothing')}
            headers={[t('kb.report.query'), t('kb.report.count')]}
            rows={report.data.unanswered.map((u) => [u.query, u.searches])}
          />
          <ListTable
            title={t('kb.report.top')}
            empty={t('kb.report.nothing')}
            headers={[t('kb.report.article'), t('kb.report.views'), t('kb.report.helpful'), t('kb.report.notHelpful')]}
            rows={report.data.topArticles.map((a) => [titleOf(a.articleId), a.views, a.helpful, a.notHelpful])}
          />
        </>
      )}
    </>
  );
}

/** A titled table of short rows, or a sentence when there is none; the first cell names the row. */
function ListTable({ title, empty, headers, rows }: { title: string; empty: string; headers: string[]; rows: (string | number)[][] }) {
  return (
    <section className="card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table className="table" aria-label={title}>
          <thead>
            <tr>
              {headers.map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map(([first, ...rest]) => (
              <tr key={String(first)}>
                <td>{first}</td>
                {rest.map((cell, i) => (
                  <td key={i}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
