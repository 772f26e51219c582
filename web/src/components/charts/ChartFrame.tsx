import { useId, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';

export type Series = { key: string; label: string; colour: string };
export type TableRow = { label: string; values: (number | string | null)[] };

/**
 * A chart as a figure: a heading, the picture (an SVG the screen reader reads as one image with a
 * summary), a legend in words, and the same figures as a table behind a "show as table" toggle,
 * which is what a keyboard or screen-reader user reads, and what the browser tests compare.
 */
export function ChartFrame({ name, title, summary, series, columns, rows, children }: { name: string; title: string; summary: string; series: Series[]; columns: string[]; rows: TableRow[]; children: ReactNode }) {
  const { t, formatNumber } = useI18n();
  const id = useId();
  return (
    <figure className="card chart" data-chart={name} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{title}</h2>
      <div role="img" aria-label={`${title}. ${summary}`} className="chart-picture">
        {children}
      </div>
      {series.length > 1 && (
        <ul className="legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.key}>
              <svg className="swatch" viewBox="0 0 10 10" width="12" height="12">
                <rect width="10" height="10" fill={s.colour} />
              </svg>{' '}
              {s.label}
            </li>
          ))}
        </ul>
      )}
      <details className="chart-data">
        <summary>{t('dashboard.showTable')}</summary>
        <table className="tickets">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                {row.values.map((v, i) => (
                  <td key={i} data-label={columns[i + 1]}>
                    {typeof v === 'number' ? formatNumber(v) : (v ?? '—')}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
