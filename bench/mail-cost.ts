import { loadavg } from 'node:os';
import { openRuntime } from '../src/cli/runtime.ts';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/config/logger.ts';
import { mailDeps, type MailDeps } from '../src/mail/mail-context.ts';
import { receiveMessage } from '../src/mail/receive-message.ts';
import { isMain, parseArgs, type Args } from './support/args.ts';
import { runStatement } from './support/server.ts';
import { countStatements } from './support/statement-count.ts';
import { table } from './support/stats.ts';
import { backendCpu, cpuSpent, deskMessageIds, newMessage, prepare, rawMail, replyMessage, SECRET, smtpIntakeOptionsFromArgs, type Mail, type Sent } from './smtp-intake.ts';

/**
 * What one inbound message costs, whatever else the machine is doing: the statements the mail
 * pipeline sends to PostgreSQL (BEGIN and COMMIT included) and the CPU time of this process and of
 * the database's backends, per message, for new tickets and for replies (the three ways of
 * bench/smtp-intake.ts), one message at a time through `receiveMessage` (the SMTP listener's call,
 * without the SMTP session). A fresh td_bench_mail_cost database, dropped at the end unless --keep.
 * COST_TRACE=1 prints the statements of the last message of each kind.
 */
type MailCost = { kind: string; messages: number; statements: number; transactions: number; serverCpuMs: number; postgresCpuMs: number; load: number };

async function measure(deps: MailDeps, url: string, kind: string, mails: Mail[], tracing: { on: boolean }): Promise<{ cost: MailCost; sent: Sent[] }> {
  const counter = countStatements({ trace: () => tracing.on });
  const database = new URL(url).pathname.slice(1);
  const sent: Sent[] = [];
  // Composed before the clock starts: this process's CPU time is the pipeline's alone.
  const raws = new Map(await Promise.all(mails.map(async (mail) => [mail, await rawMail(mail)] as const)));
  const deliver = async (mail: Mail) => {
    const [delivery] = await receiveMessage(deps, { raw: raws.get(mail)!, transport: 'smtp', recipients: [mail.to as string] });
    if (delivery?.outcome !== (kind === 'reply' ? 'reply' : 'ticket')) throw new Error(`${kind}: ${JSON.stringify(delivery)}`);
    sent.push({ tenant: mail.tenant, from: mail.from, messageId: mail.messageId, number: delivery.ticketNumber! });
  };
  try {
    await deliver(mails[0]!);
    counter.reset();
    const pgBefore = await backendCpu(url, database);
    const cpu = process.cpuUsage();
    for (const [i, mail] of mails.entries()) {
      if (i === 0) continue;
      // The last one is traced: in the new-ticket run, from a sender the tenant does not know yet.
      if (i === mails.length - 1 && process.env.COST_TRACE) console.error(`-- one ${kind}`);
      tracing.on = i === mails.length - 1;
      await deliver(mail);
    }
    tracing.on = false;
    const used = process.cpuUsage(cpu);
    const n = mails.length - 1;
    const postgresCpuMs = (cpuSpent(pgBefore, await backendCpu(url, database)) * 1000) / n;
    return { sent, cost: { kind, messages: n, statements: counter.statements / n, transactions: counter.transactions / n, serverCpuMs: (used.user + used.system) / 1000 / n, postgresCpuMs, load: loadavg()[0]! } };
  } finally {
    counter.stop();
  }
}

export async function measureMailCost(args: Args): Promise<MailCost[]> {
  const options = { ...smtpIntakeOptionsFromArgs(args), database: args.string('database', 'td_bench_mail_cost'), tenants: args.int('tenants', 20) };
  const messages = args.int('messages', 300);
  const url = await prepare(options);
  process.env.DATABASE_URL = url;
  process.env.MAIL_SECRET = SECRET;
  process.env.LOG_LEVEL = 'warn';
  process.env.DB_POOL_MAX = '2';
  const config = loadConfig();
  const rt = await openRuntime(config, createLogger(config));
  const tracing = { on: false };
  try {
    const deps = mailDeps(rt);
    const senders = 20;
    await measure(deps, url, 'warm-up', Array.from({ length: 50 }, (_, i) => newMessage('warmup', i, options, senders)), tracing);
    const fresh = await measure(deps, url, 'new ticket', Array.from({ length: messages + 1 }, (_, i) => newMessage('new', i, options, senders)), tracing);
    const deskIds = await deskMessageIds(url);
    const replies = await measure(deps, url, 'reply', Array.from({ length: messages + 1 }, (_, i) => replyMessage(i, fresh.sent[(i * 7919) % fresh.sent.length]!, deskIds)), tracing);
    return [fresh.cost, replies.cost];
  } finally {
    await rt.shards.close();
    await rt.database.close();
    if (!options.keep) await runStatement(options.adminUrl, `drop database if exists ${options.database} with (force)`);
  }
}

export function reportMailCost(costs: MailCost[]): string {
  return table(
    ['message', 'messages', 'statements / message', 'transactions / message', 'server CPU ms / message', 'PostgreSQL CPU ms / message', 'load avg (1 min)'],
    costs.map((c) => [c.kind, String(c.messages), c.statements.toFixed(1), c.transactions.toFixed(1), c.serverCpuMs.toFixed(2), c.postgresCpuMs.toFixed(2), c.load.toFixed(1)]),
  );
}

if (isMain(import.meta.url)) {
  console.log(reportMailCost(await measureMailCost(parseArgs())));
}
