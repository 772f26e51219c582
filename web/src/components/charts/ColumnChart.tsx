import { labelEvery, niceCeiling, ticks } from './scale.ts';
import type { Series } from './ChartFrame.tsx';

// Drawn at about the size of a chart card, so that 12px text stays about 12px on screen.
const WIDTH = 440;
const HEIGHT = 200;
const PAD = { left: 32, right: 6, top: 8, bottom: 24 };

export type Column = { key: string; label: string; values: Record<string, number> };

/**
 * Grouped vertical bars, one group per column (a day), one bar per series (created, resolved),
 * on a zero-based axis. Each bar carries its value (`data-value`, and a tooltip title).
 */
export function ColumnChart({ columns, series }: { columns: Column[]; series: Series[] }) {
  const max = niceCeiling(Math.max(0, ...columns.flatMap((c) => series.map((s) => c.values[s.key] ?? 0))));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const group = plotWidth / Math.max(1, columns.length);
  const bar = Math.max(1, (group * 0.8) / series.length);
  const y = (value: number) => PAD.top + plotHeight - (value / max) * plotHeight;
  const every = labelEvery(columns.length, 6);
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="chart-svg" aria-hidden="true" focusable="false">
      {ticks(max).map((tick) => (
        <g key={tick} className="axis">
          <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} className="gridline" />
          <text x={PAD.left - 6} y={y(tick) + 4} textAnchor="end">
            {tick}
          </text>
        </g>
      ))}
      {columns.map((column, i) => {
        const x0 = PAD.left + i * group + group * 0.1;
        return (
          <g key={column.key} data-column={column.key}>
            {series.map((s, j) => {
              const value = column.values[s.key] ?? 0;
              return (
                <rect key={s.key} x={x0 + j * bar} y={y(value)} width={Math.max(0.5, bar - 0.5)} height={PAD.top + plotHeight - y(value)} fill={s.colour} data-series={s.key} data-value={value}>
                  <title>{`${column.label} · ${s.label}: ${value}`}</title>
                </rect>
              );
            })}
            {i % every === 0 && (
              <text className="axis" x={PAD.left + i * group + group / 2} y={HEIGHT - PAD.bottom + 15} textAnchor="middle">
                {column.label}
              </text>
            )}
          </g>
        );
      })}
      <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} className="baseline" />
    </svg>
  );
}
