import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { MailConfig } from '../../src/config/config.ts';
import type { Database } from '../../src/db/database.ts';
import type { AppOptions } from '../../src/http/app.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { JobHandler } from '../../src/jobs/job-type.ts';
import type { MailDeps } from '../../src/mail/mail-context.ts';
import { createMailbox } from '../../src/mail/mailboxes.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { sendMailHandler } from '../../src/mail/send-mail.ts';
import { createOutbound } from '../../src/net/guarded-connect.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { demoDeskApp } from '../support/desk-app.ts';
import { mailConfig, TEST_SECRET } from '../mail/mail-fixtures.ts';

/** The outside world's mail server: an in-process smtp-server keeping every message raw and parsed. */
export type Relay = { readonly port: number; readonly received: { raw: Buffer; parsed: ParsedMail }[]; close(): Promise<void> };

export async function startRelay(): Promise<Relay> {
  const received: Relay['received'] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((parsed) => {
          received.push({ raw, parsed });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.server.address() as { port: number };
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * The demo desk over HTTP (inject) with acme's email channel set up: a mailbox `support@acme.test`,
 * the mail pipeline's dependencies, a relay that receives what is sent, and a job runner that sends.
 */
export async function mailDesk(database: Database, options: { app?: Partial<AppOptions>; mail?: Partial<MailConfig> } = {}) {
  const relay = await startRelay();
  const dataDir = mkdtempSync(join(tmpdir(), 'td-mail-desk-'));
  const desk = await demoDeskApp(database, { attachments: { dataDir, maxBytes: 1024 * 1024 }, ...options.app });
  const catalog = () => desk.catalog.snapshot();
  const deps: MailDeps = { shards: desk.shards, settings: DEFAULT_TENANCY, catalog, config: mailConfig({ relayUrl: `smtp://127.0.0.1:${relay.port}`, ...options.mail }), box: secretBox(TEST_SECRET), outbound: createOutbound(), dataDir };
  const acme = catalog().bySlug.get('acme')!.id;
  const mailbox = await createMailbox(systemContext(desk.shards, DEFAULT_TENANCY, catalog()), deps, { tenantId: acme, address: 'support@acme.test', name: 'Acme Support' });
  const runner = new JobRunner({ shards: desk.shards, settings: DEFAULT_TENANCY, catalog }, { handlers: [sendMailHandler(deps) as unknown as JobHandler<never>] });
  return {
    ...desk,
    deps,
    relay,
    runner,
    mailbox,
    acme,
    /** Runs every queued job (the sends) and answers how many failed. */
    send: async () => (await runner.drain(database)).filter((outcome) => outcome.state !== 'done').length,
    close: async () => {
      await desk.app.close();
      await relay.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
