/*
 * Dates as the reader types them: day, month, year in that order (31/12/2026, with 14:30 for a
 * time), in English (en-GB) as in French, the order the desk's own dates are written in. The
 * browser's date inputs are drawn in the browser's locale whatever the page's language
 * (mm/dd/yyyy in an American Chromium under French), so the desk draws its own.
 */

/** `2026-12-31` or `2026-12-31T14:30` as the reader writes it: `31/12/2026` or `31/12/2026 14:30`; '' for anything else. */
export function isoToText(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?/.exec(iso);
  if (!match) return '';
  const [, y, m, d, hh, mm] = match;
  return `${d}/${m}/${y}${hh === undefined ? '' : ` ${hh}:${mm}`}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * What the reader typed, as ISO (`2026-12-31`, or `2026-12-31T14:30` when `withTime`, the time
 * 00:00 when left out); '' when empty; null when it is no real date (31/02/2026, 12/31/2026).
 */
export function textToIso(text: string, withTime: boolean): string | null {
  const value = text.trim();
  if (!value) return '';
  const match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T]+(\d{1,2})[:h](\d{2}))?$/.exec(value);
  if (!match) return null;
  const [d, m, y, hh, mm] = match.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
  const day = new Date(Date.UTC(y!, m! - 1, d!));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== m! - 1 || day.getUTCDate() !== d) return null;
  if (hh !== undefined && (hh > 23 || mm! > 59)) return null;
  if (hh !== undefined && !withTime) return null;
  const date = `${y}-${pad(m!)}-${pad(d!)}`;
  return withTime ? `${date}T${pad(hh ?? 0)}:${pad(mm ?? 0)}` : date;
}
