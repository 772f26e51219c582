/** What an import did, per kind of object, and the checks of the result against the source. */
export type Unmapped = { readonly id: string; readonly reason: string };

export type ObjectCounts = {
  /** Rows in the source. */
  source: number;
  /** Rows of the source that are in the tenant after this run (imported by it or an earlier one). */
  inTenant: number;
  created: number;
  updated: number;
  unchanged: number;
  /** Rows that could not be brought across, each with its id and why. */
  unmapped: Unmapped[];
  /** Why source and tenant counts differ beyond the unmapped rows (rows linked to existing ones, not imported kinds). */
  notes: string[];
};

export type ImportChecks = {
  ticketNumbers: { source: number; inTenant: number; missing: string[] };
  threadEntries: { source: number; inTenant: number };
  attachmentBytes: { source: number; inTenant: number };
};

export type ImportReport = {
  source: string;
  version: string;
  tenant: string;
  dryRun: boolean;
  objects: Record<string, ObjectCounts>;
  checks?: ImportChecks;
};

export function emptyCounts(source = 0): ObjectCounts {
  return { source, inTenant: 0, created: 0, updated: 0, unchanged: 0, unmapped: [], notes: [] };
}

/** The report as text: one line per kind of object, then every difference and check. */
export function formatReport(report: ImportReport): string {
  const lines = [
    `${report.dryRun ? 'Dry run (nothing written): ' : ''}osTicket ${report.version} at ${report.source} -> tenant ${report.tenant}`,
    ['object', 'source', 'in tenant', report.dryRun ? 'would create' : 'created', report.dryRun ? 'would update' : 'updated', 'unchanged', 'not mapped'].join('\t'),
  ];
  for (const [name, c] of Object.entries(report.objects)) lines.push([name, c.source, c.inTenant, c.created, c.updated, c.unchanged, c.unmapped.length].join('\t'));
  for (const [name, c] of Object.entries(report.objects)) {
    for (const note of c.notes) lines.push(`${name}: ${note}`);
    for (const u of c.unmapped.slice(0, 50)) lines.push(`${name} ${u.id}: not imported: ${u.reason}`);
    if (c.unmapped.length > 50) lines.push(`${name}: ${c.unmapped.length - 50} more not imported (see --json)`);
  }
  const checks = report.checks;
  if (checks) {
    const mark = (ok: boolean) => (ok ? 'ok' : 'DIFFERENT');
    lines.push(`check ticket numbers: ${checks.ticketNumbers.inTenant} of ${checks.ticketNumbers.source} imported tickets found by number in the tenant: ${mark(!checks.ticketNumbers.missing.length)}${checks.ticketNumbers.missing.length ? ` (missing ${checks.ticketNumbers.missing.slice(0, 20).join(', ')})` : ''}`);
    lines.push(`check thread entries: source ${checks.threadEntries.source}, tenant ${checks.threadEntries.inTenant}: ${mark(checks.threadEntries.source === checks.threadEntries.inTenant)}`);
    lines.push(`check attachment bytes: source ${checks.attachmentBytes.source}, tenant ${checks.attachmentBytes.inTenant}: ${mark(checks.attachmentBytes.source === checks.attachmentBytes.inTenant)}`);
  }
  return lines.join('\n');
}
