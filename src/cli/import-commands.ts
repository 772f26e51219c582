import { AppError } from '../errors.ts';
import { createOutbound } from '../net/guarded-connect.ts';
import { formatReport, type ImportReport } from '../import/osticket/import-report.ts';
import { importDatabase, readSites, sourceUrl, type ImportDeps, type RunOptions } from '../import/osticket/run-import.ts';
import type { CliIo } from './io.ts';
import type { Runtime } from './runtime.ts';

export type OsticketImportOptions = {
  from?: string;
  sites?: string;
  sitesTable?: string;
  only?: string[];
  tenant?: string;
  create?: boolean;
  host?: string[];
  name?: string;
  parent?: string;
  files?: string;
  organizations?: string;
  dryRun?: boolean;
  json?: boolean;
};

/**
 * Per table, rows done and their rate, on one line of stderr redrawn at most five times a second;
 * nothing when stderr is not a terminal (a log, a pipe).
 */
export function tableProgress(stream: CliIo['stderr']): RunOptions['progress'] {
  if (!stream.isTTY) return undefined;
  let table = '';
  let started = 0;
  let drawnAt = 0;
  return (name, done, total) => {
    const now = Date.now();
    if (name !== table) {
      if (table) stream.write('\n');
      table = name;
      started = now;
    }
    if (now - drawnAt < 200 && done < total) return;
    drawnAt = now;
    const rate = done / Math.max(0.001, (now - started) / 1000);
    stream.write(`\r${name}: ${done}/${total} rows, ${Math.round(rate)} rows/s   `);
    if (done >= total) {
      stream.write('\n');
      table = '';
    }
  };
}

/**
 * `tenantdesk import osticket`: one database into one tenant (--from), or a multi-site installation (--sites).
 * Run in the server holding the embedded database, it has no terminal to draw progress on.
 */
export async function importOsticketCommand(rt: Runtime, o: OsticketImportOptions, stderr?: CliIo['stderr']): Promise<string> {
  const deps: ImportDeps = {
    database: rt.database,
    shards: rt.shards,
    settings: rt.settings,
    catalog: rt.catalog,
    outbound: createOutbound({ policy: rt.config.outboundPolicy }),
    attachments: { dataDir: rt.config.dataDir, maxBytes: rt.config.attachmentMaxBytes },
    senderDomains: rt.config.mail.senderDomains,
  };
  if (o.organizations !== undefined && o.organizations !== 'attribute' && o.organizations !== 'subtenants') {
    throw new AppError('VALIDATION_FAILED', `--organizations is "attribute" or "subtenants", not "${o.organizations}".`, 'organizations');
  }
  const options: RunOptions = { dryRun: o.dryRun === true, filesDir: o.files, organizations: o.organizations, progress: stderr ? tableProgress(stderr) : undefined };
  const show = (reports: ImportReport[], extra: object = {}) => (o.json ? JSON.stringify({ reports, ...extra }, null, 2) : reports.map(formatReport).join('\n\n'));
  if (o.from && o.sites) throw new AppError('VALIDATION_FAILED', 'Give --from (one database) or --sites (a multi-site master), not both.', 'from');
  if (o.from) {
    if (!o.tenant) throw new AppError('VALIDATION_FAILED', '--tenant is required with --from.', 'tenant');
    const create = o.create ? { name: o.name ?? o.tenant, hosts: o.host ?? [], parent: o.parent } : undefined;
    return show([await importDatabase(deps, sourceUrl(o.from), { slug: o.tenant, create }, options)]);
  }
  if (!o.sites) throw new AppError('VALIDATION_FAILED', 'Give --from mysql://user:password@host:3306/database or --sites mysql://…/master_db.', 'from');
  const { sites, refused } = await readSites(deps, o.sites, o.sitesTable);
  const only = new Set(o.only ?? []);
  const chosen = only.size ? sites.filter((s) => only.has(s.name) || only.has(s.slug)) : sites;
  const unknown = [...only].filter((name) => !sites.some((s) => s.name === name || s.slug === name));
  if (unknown.length) throw new AppError('VALIDATION_FAILED', `No site ${unknown.join(', ')} in the sites table.`, 'only');
  const reports: ImportReport[] = [];
  for (const site of chosen) {
    if (stderr?.isTTY) stderr.write(`Site ${site.name} -> tenant ${site.slug} (${site.host})\n`);
    reports.push(await importDatabase(deps, site.url, { slug: site.slug, create: { name: site.name, hosts: [site.host] } }, options));
  }
  const text = show(reports, { refusedSites: refused });
  return o.json || !refused.length ? text : `${text}\n\n${refused.map((r) => `site ${r.site}: not imported: ${r.reason}`).join('\n')}`;
}
