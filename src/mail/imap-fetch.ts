import type { ImapFlow } from 'imapflow';
import { z } from 'zod';
import { inScope } from '../db/scope.ts';
import { enqueue } from '../jobs/enqueue.ts';
import { defineJob, handleJob, type JobHandler, type Schedule } from '../jobs/job-type.ts';
import { guardedImapClient } from '../net/imap-client.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { listObjects, type Row } from '../tenancy/data-access.ts';
import { scopedTx, type MailDeps } from './mail-context.ts';
import { countDelivery, deliverToMailbox, readMessage } from './receive-message.ts';
import { TenantMailLimitReached } from './tenant-mail-limit.ts';
import { requireSecretBox } from './secret-box.ts';

/**
 * IMAP fetching, as three jobs. Every minute `mail.fetch-all` (an installation job) enqueues one
 * `mail.fetch-mailbox` per mailbox with IMAP settings, in its tenant's database. That job reads the
 * unseen messages and delivers each in its own transaction, which also enqueues `mail.imap-ack`
 * with the UIDs taken. Only once that transaction has committed can the ack job run and mark them
 * \Seen (or move them): a crash before the commit leaves them unseen on the server, to be fetched
 * again; a crash after it leaves the ack job to do; a message fetched twice is a duplicate by its key.
 */
export const fetchAllMailboxes = defineJob({ name: 'mail.fetch-all', payload: z.object({}) });
export const fetchMailbox = defineJob({ name: 'mail.fetch-mailbox', payload: z.object({ mailboxId: z.string().uuid() }), maxAttempts: 3, leaseMs: 10 * 60_000, backoffMs: 30_000 });
export const acknowledgeImap = defineJob({
  name: 'mail.imap-ack',
  payload: z.object({ mailboxId: z.string().uuid(), uidValidity: z.number().int(), uids: z.array(z.number().int().positive()).min(1) }),
  maxAttempts: 20,
  backoffMs: 30_000,
});

/** Messages taken per run; the rest are fetched by a follow-up run enqueued at once. */
const BATCH = 50;

export const imapSchedule: Schedule<Record<string, never>> = { type: fetchAllMailboxes, cron: '* * * * *', payload: {} };

// Through the guarded connector: the host a tenant named is checked against OUTBOUND_ALLOW at every connection.
async function openImap(deps: MailDeps, mailbox: Row): Promise<ImapFlow> {
  const client = await guardedImapClient(deps.outbound, {
    host: mailbox.imap_host as string,
    port: mailbox.imap_port as number,
    secure: mailbox.imap_tls as boolean,
    auth: { user: mailbox.imap_user as string, pass: requireSecretBox(deps.box, 'read IMAP passwords').decrypt(mailbox.imap_password_enc as string) },
    logger: false,
    connectionTimeout: deps.outbound.timeoutMs,
  });
  await client.connect();
  return client;
}

async function withFolder<T>(deps: MailDeps, mailbox: Row, work: (client: ImapFlow, uidValidity: number) => Promise<T>): Promise<T> {
  const client = await openImap(deps, mailbox);
  try {
    const lock = await client.getMailboxLock(mailbox.imap_folder as string);
    try {
      const opened = client.mailbox;
      if (!opened) throw new Error(`IMAP folder ${mailbox.imap_folder as string} could not be opened.`);
      return await work(client, Number(opened.uidValidity));
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function imapMailbox(ctx: TenancyContext, mailboxId: string): Promise<Row | undefined> {
  const [mailbox] = await listObjects(ctx, 'mailbox', { where: { id: mailboxId, active: true }, limit: 1 });
  return mailbox?.imap_host ? mailbox : undefined;
}

/**
 * Fetches one mailbox's unseen messages and delivers them, all inside the job's transaction (the
 * runner commits it with the job). The UIDs taken are acknowledged by a job enqueued in it too.
 * Once `stopping` is aborted (the server stops) no further message is taken: those taken commit
 * and are acknowledged, the rest stay unseen for the next fetch.
 */
export async function fetchMailboxNow(deps: MailDeps, ctx: TenancyContext, mailboxId: string, minute = new Date().toISOString().slice(0, 16), stopping?: AbortSignal): Promise<number> {
  const mailbox = await imapMailbox(ctx, mailboxId);
  if (!mailbox) return 0;
  const tenantId = mailbox.tenant_id as number;
  return withFolder(deps, mailbox, async (client, uidValidity) => {
    const unseen = (await client.search({ seen: false }, { uid: true })) || [];
    const batch = unseen.sort((a, b) => a - b).slice(0, BATCH);
    const taken: number[] = [];
    if (!batch.length) return 0;
    let limited = false;
    for await (const message of client.fetch(batch, { uid: true, source: true }, { uid: true })) {
      if (stopping?.aborted) break;
      if (!message.source || limited) continue;
      const read = await readMessage(deps, message.source);
      try {
        // Counted before the batch commits with its job: a batch rolled back is counted once too often.
        countDelivery('imap', await deliverToMailbox(deps, ctx, mailbox, { raw: message.source, transport: 'imap', imap: { uidValidity, uid: message.uid } }, read));
      } catch (error) {
        // The tenant's hourly limit (checked before anything is written): the rest stay unseen for a later fetch.
        if (!(error instanceof TenantMailLimitReached)) throw error;
        limited = true;
        continue;
      }
      taken.push(message.uid);
    }
    const tx = await scopedTx(ctx);
    if (taken.length) await enqueue(tx, acknowledgeImap, { tenantId, payload: { mailboxId, uidValidity, uids: taken } });
    if (unseen.length > batch.length && !limited) await enqueue(tx, fetchMailbox, { tenantId, payload: { mailboxId }, key: `${mailboxId}:after:${batch.at(-1)}:${minute}` });
    return taken.length;
  });
}

/** Marks committed messages \Seen, or moves them; nothing if the folder's UIDVALIDITY changed meanwhile. */
export async function acknowledgeNow(deps: MailDeps, ctx: TenancyContext, payload: z.infer<typeof acknowledgeImap.payload>): Promise<void> {
  const mailbox = await imapMailbox(ctx, payload.mailboxId);
  if (!mailbox) return;
  await withFolder(deps, mailbox, async (client, uidValidity) => {
    // Other UIDs now name other messages; the ones taken are found again by their keys, as duplicates.
    if (uidValidity !== payload.uidValidity) return;
    await client.messageFlagsAdd(payload.uids, ['\\Seen'], { uid: true });
    if (mailbox.imap_move_to) await client.messageMove(payload.uids, mailbox.imap_move_to as string, { uid: true });
  });
}

/** The three handlers, bound to the mail settings; registered in jobs/background-work.ts. */
export function imapJobHandlers(deps: MailDeps): JobHandler<never>[] {
  return [
    handleJob(fetchAllMailboxes, async (ctx) => {
      const minute = new Date().toISOString().slice(0, 16);
      const mailboxes = (await listObjects(ctx, 'mailbox', { where: { active: true }, limit: 10_000 })).filter((m) => m.imap_host);
      for (const mailbox of mailboxes) {
        const tenantId = mailbox.tenant_id as number;
        const shard = ctx.catalog.byId.get(tenantId)?.shard ?? 'pool';
        const job = { tenantId, payload: { mailboxId: mailbox.id as string }, key: `${mailbox.id as string}:${minute}` };
        // A tenant's job lives in its tenant's database, like the rows it writes.
        if (shard === 'pool') await enqueue(await scopedTx(ctx), fetchMailbox, job);
        else await inScope(await ctx.shards.get(shard), { read: [tenantId], write: [tenantId], writePublic: false }, (tx) => enqueue(tx, fetchMailbox, job));
      }
    }),
    handleJob(fetchMailbox, async (ctx, { mailboxId }, job) => void (await fetchMailboxNow(deps, ctx, mailboxId, undefined, job.stopping))),
    handleJob(acknowledgeImap, (ctx, payload) => acknowledgeNow(deps, ctx, payload)),
  ] as unknown as JobHandler<never>[];
}
