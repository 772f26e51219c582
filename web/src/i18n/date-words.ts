/**
 * The value of a date or datetime-local input (`2026-12-07`, `2026-12-07T14:30`) in the reader's
 * words. The browser draws those inputs in its own locale (mm/dd/yyyy for an English browser,
 * whatever the page's language), so the form says the chosen date again, unambiguously, beside them.
 * '' for an empty or unreadable value.
 */
export function dateWords(value: string, language: 'en' | 'fr'): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(value);
  if (!match) return '';
  const [, y, m, d, hh, mm] = match;
  const at = new Date(Number(y), Number(m) - 1, Number(d), Number(hh ?? 0), Number(mm ?? 0));
  const locale = language === 'fr' ? 'fr-FR' : 'en-GB';
  return new Intl.DateTimeFormat(locale, hh === undefined ? { dateStyle: 'full' } : { dateStyle: 'full', timeStyle: 'short' }).format(at);
}
