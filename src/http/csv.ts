import type { FastifyReply, FastifyRequest } from 'fastify';

/** Whether the caller asked for CSV: `?format=csv` or an Accept header naming text/csv. */
export function wantsCsv(request: FastifyRequest<{ Querystring: { format?: string } }>): boolean {
  return request.query.format === 'csv' || /\btext\/csv\b/.test(request.headers.accept ?? '');
}

// A cell starting with one of these is a formula to a spreadsheet: a department named "=HYPERLINK(...)" must stay text.
const FORMULA = /^[=+\-@\t\r]/;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  const safe = typeof value === 'string' && FORMULA.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 text: a header line, then one line per row, CRLF-separated. */
export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function sendCsv(reply: FastifyReply, filename: string, csv: string): FastifyReply {
  return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).send(csv);
}
