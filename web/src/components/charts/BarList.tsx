import { useI18n } from '../../i18n/i18n.tsx';
import { niceCeiling } from './scale.ts';
import type { Series } from './ChartFrame.tsx';

// Drawn at about the size of a chart card, so that 12px text stays about 12px on screen.
const WIDTH = 440;
const ROW = 28;
const LABEL = 120;
const VALUE = 104;

/** One bar; `text` replaces the total written at its end (e.g. "—" when there is no figure). */
export type BarRow = { key: string; label: string; values: Record<string, number>; text?: string };

/**
 * Horizontal stacked bars, one row per item (a department, a priority, a tenant), the series side
 * by side in each bar, with the row's total (or its `text`) written at its end. With `max`,
 * the scale is fixed (100 for percentages); otherwise it fits the largest total.
 */
export function BarList({ rows, series, max }: { rows: BarRow[]; series: Series[]; max?: number }) {
  const { formatNumber } = useI18n();
  const total = (row: BarRow) => series.reduce((sum, s) => sum + (row.values[s.key] ?? 0), 0);
  const scaleMax = max ?? niceCeiling(Math.max(0, ...rows.map(total)));
  const plot = WIDTH - LABEL - VALUE;
  const height = Math.max(1, rows.length) * ROW;
  return (
    <svg viewBox={`0 0 ${WIDTH} ${height}`} className="chart-svg" aria-hidden="true" focusable="false">
      {rows.map((row, i) => {
        let x = LABEL;
        const y = i * ROW + 4;
        return (
          <g key={row.key} data-row={row.key}>
            <text className="axis" x={LABEL - 6} y={y + 14} textAnchor="end">
              {row.label.length > 18 ? `${row.label.slice(0, 17)}…` : row.label}
            </text>
            <rect x={LABEL} y={y} width={plot} height={ROW - 10} className="track" />
            {series.map((s) => {
              const value = row.values[s.key] ?? 0;
              const width = (value / scaleMax) * plot;
              const rect = (
                <rect key={s.key} x={x} y={y} width={width} height={ROW - 10} fill={s.colour} data-series={s.key} data-value={value}>
                  <title>{`${row.label} · ${s.label}: ${value}`}</title>
                </rect>
              );
              x += width;
              return rect;
            })}
            <text className="value" x={LABEL + plot + 6} y={y + 14}>
              {row.text ?? formatNumber(total(row))}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
