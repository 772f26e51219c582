import { runHostResolution, reportHostResolution } from './host-resolution.ts';
import { reportHttpHook, runHttpHook } from './http-hook.ts';
import { reportRlsList, rlsOptionsFromArgs, runRlsList } from './rls-list.ts';
import { runPlacement } from './placement.ts';
import { reportBusinessCalendar, runBusinessCalendar } from './business-calendar.ts';
import { runSlaBench, slaOptionsFromArgs } from './sla.ts';
import { parseArgs } from './support/args.ts';
import { prepare, reportTicketsHttp, runTicketsHttp, ticketsHttpOptionsFromArgs } from './tickets-http.ts';
import { databaseUrl } from './support/server.ts';
import { reportSmtpIntake, runSmtpIntake, smtpIntakeOptionsFromArgs } from './smtp-intake.ts';
import { measureRequestCost, reportRequestCost } from './request-cost.ts';
import { reportThroughputFloor, runThroughputFloor } from './throughput-floor.ts';

/**
 * `npm run bench`: every benchmark in turn, each report printed as markdown (progress on stderr).
 *   --only host|http|rls|placement|calendar|tickets|cost|floor|sla|smtp   run one of them
 *   --tenants N            tenants/hosts for all of them (default 10000)
 *   rls-list options: --tickets N --keep --reuse --url URL --database NAME --iterations-one|group|all N
 *   http-hook options: --runs N --duration S --warmup S --connections N
 */
const args = parseArgs();
const only = args.string('only', 'all');
const tenants = args.int('tenants', 10_000);
const started = Date.now();
const sections: string[] = [`Machine: ${(await import('node:os')).cpus().length} CPUs, Node ${process.version}, ${new Date().toISOString()}`];

if (only === 'all' || only === 'host') {
  console.error('[bench] host resolution (perf_hooks)');
  sections.push(
    reportHostResolution(
      await runHostResolution({ tenants, rounds: args.int('rounds', 2_000), batch: args.int('batch', 1_000), singles: args.int('singles', 200_000) }),
    ),
  );
}
if (only === 'all' || only === 'http') {
  console.error('[bench] host resolution over HTTP (autocannon)');
  sections.push(
    reportHttpHook(
      await runHttpHook({
        tenants,
        runs: args.int('runs', 6),
        duration: args.int('duration', 5),
        warmup: args.int('warmup', 2),
        connections: args.int('connections', 10),
      }),
    ),
  );
}
if (only === 'all' || only === 'rls') {
  console.error('[bench] scoped list query with and without RLS (PostgreSQL)');
  sections.push(reportRlsList(await runRlsList(rlsOptionsFromArgs())));
}
if (only === 'all' || only === 'placement') {
  console.error('[bench] placement: tenant creation and the merged queue across shards (PostgreSQL)');
  sections.push(await runPlacement());
}
if (only === 'all' || only === 'calendar') {
  console.error('[bench] business-hours arithmetic (perf_hooks)');
  sections.push(reportBusinessCalendar(runBusinessCalendar({ calls: args.int('calls', 20_000), rounds: args.int('rounds', 6) })));
}
if (only === 'all' || only === 'tickets') {
  console.error('[bench] ticket creation and the queue over HTTP (autocannon, PostgreSQL)');
  // 1,000 tenants and 200,000 tickets unless --tenants/--tickets say otherwise.
  const ticketArgs = ticketsHttpOptionsFromArgs();
  const ticketOptions = { ...ticketArgs, tenants: args.int('tenants', 1_000) };
  sections.push(reportTicketsHttp(ticketOptions, await runTicketsHttp(ticketOptions)));
}
if (only === 'all' || only === 'cost') {
  console.error('[bench] statements and CPU per ticket request (PostgreSQL, the tickets database)');
  const ticketArgs = ticketsHttpOptionsFromArgs();
  await prepare({ ...ticketArgs, tenants: args.int('tenants', 1_000), reuse: true });
  sections.push(reportRequestCost(await measureRequestCost({ url: databaseUrl(ticketArgs.adminUrl, ticketArgs.database), tenants: args.int('tenants', 1_000), requests: args.int('requests', 300) })));
}
if (only === 'all' || only === 'floor') {
  console.error("[bench] this machine's ceiling: the SQL, HTTP and SMTP parts alone (pgbench, bare servers)");
  sections.push(reportThroughputFloor(await runThroughputFloor(args)));
}
if (only === 'all' || only === 'sla') {
  console.error('[bench] SLA: overdue sweep and dashboard summary (PostgreSQL)');
  sections.push(await runSlaBench({ ...slaOptionsFromArgs(), tenants }));
}
if (only === 'all' || only === 'smtp') {
  console.error('[bench] SMTP intake: messages to committed tickets (16 SMTP sessions, PostgreSQL)');
  // 100 tenants with a support address each unless --tenants says otherwise.
  const smtpOptions = { ...smtpIntakeOptionsFromArgs(), tenants: args.int('tenants', 100) };
  sections.push(reportSmtpIntake(smtpOptions, await runSmtpIntake(smtpOptions)));
}
console.log(sections.join('\n\n'));
console.error(`[bench] done in ${Math.round((Date.now() - started) / 1000)} s`);
