import { AppError } from '../../errors.ts';
import { createMailbox, type MailboxDeps } from '../../mail/mailboxes.ts';
import { inTransaction, listObjects, updateObject } from '../../tenancy/data-access.ts';
import { rowDigest } from './import-ledger.ts';
import { emptyCounts } from './import-report.ts';
import type { ImportRun } from './import-osticket.ts';

/*
 * osTicket's email addresses (`ost_email`) as the tenant's mailboxes, through `createMailbox` (one
 * tenant per address across every shard, the domain rules), each with its ledger row in one unit of
 * work. osTicket's mail passwords are never carried, so a mailbox is created disabled: it receives
 * nothing until an administrator gives it credentials.
 */

export async function importMailboxes(run: ImportRun): Promise<void> {
  if (!run.source.has('email')) return;
  const rows = await run.source.select(`SELECT email_id, email, name, dept_id, topic_id, noautoresp FROM ${run.source.t('email')} ORDER BY email_id`);
  const counts = (run.report.objects['email addresses'] = emptyCounts(rows.length));
  const known = await run.ledger.load('email');
  const deps = run.options.mailboxes;
  for (const row of rows) {
    const id = String(row.email_id);
    const digest = rowDigest(row);
    const mine = known.get(id);
    const address = String(row.email ?? '').trim().toLowerCase();
    const values = {
      name: String(row.name ?? '').trim().slice(0, 200),
      department_id: run.ledger.target('department', row.dept_id) ?? null,
      help_topic_id: run.ledger.target('help_topic', row.topic_id) ?? null,
      auto_reply: Number(row.noautoresp) !== 1,
    };
    if (mine?.digest === digest) counts.unchanged++;
    else if (!/^[^@\s]+@[^@\s]+$/.test(address)) counts.unmapped.push({ id, reason: `"${address}" is not an address` });
    else if (run.options.dryRun) {
      if (mine) counts.updated++;
      else counts.created++;
    } else if (!deps) counts.unmapped.push({ id, reason: 'the mail settings were not given to the import' });
    else {
      const written = await writeMailbox(run, deps, { id, address, digest, values, existing: mine?.targetId }).then(
        () => true,
        (error: unknown) => {
          if (!(error instanceof AppError)) throw error;
          counts.unmapped.push({ id, reason: error.message });
          return false;
        },
      );
      if (written && mine) counts.updated++;
      else if (written) counts.created++;
    }
  }
  counts.inTenant = run.options.dryRun ? counts.created + counts.updated + counts.unchanged : known.size;
  counts.notes.push("created disabled and without credentials (osTicket's mail passwords are not carried): remove and add each again with `tenantdesk mailbox add --imap ...` to receive mail");
}

type MailboxRow = { id: string; address: string; digest: string; existing: string | undefined; values: { name: string; department_id: string | null; help_topic_id: string | null; auto_reply: boolean } };

/**
 * A new mailbox through `createMailbox`, in its own unit of work (it looks across every shard, which
 * cannot run inside another transaction on the embedded database), then disabled with its ledger row.
 * A mailbox of this tenant with the address but no ledger row is one an interrupted run created: taken.
 */
async function writeMailbox(run: ImportRun, deps: MailboxDeps, m: MailboxRow): Promise<void> {
  let target = m.existing;
  if (!target) {
    const [mine] = await listObjects(run.ctx, 'mailbox', { where: { tenant_id: run.options.tenantId, address: m.address }, limit: 1 });
    target = (mine?.id as string | undefined) ?? ((await createMailbox(run.ctx, deps, { tenantId: run.options.tenantId, address: m.address, name: m.values.name, departmentId: m.values.department_id ?? undefined, helpTopicId: m.values.help_topic_id ?? undefined, autoReply: m.values.auto_reply })).id as string);
  }
  await inTransaction(run.ctx, async (tx) => {
    // Without credentials a mailbox fetches nothing, and no mail is routed to a disabled one.
    await updateObject(tx, 'mailbox', target, m.existing ? m.values : { active: false });
    await run.ledger.record(tx, 'email', m.id, 'mailbox', target, m.digest);
  }, run.options.tenantId);
}
