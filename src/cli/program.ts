import { Command } from 'commander';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DataDirLockedError, readLock } from '../db/data-dir-lock.ts';
import { AppError } from '../errors.ts';
import type { AdminOptions } from './admin-commands.ts';
import { openCommandRuntime, processIo, type CliIo } from './io.ts';
import { needsFirstStartChild, prepareEmbedded, prepareInChild, PREPARE_COMMAND } from './first-start.ts';
import { pipeMail } from './mail-pipe.ts';
import type { Runtime } from './runtime.ts';

/*
 * Only what every command needs is imported above: each command loads its own modules when it runs,
 * so `--help` or `tenant list` does not load the HTTP server, the mail parser or the demo seeder.
 */

/** One line on stderr and a non-zero exit: what a person sees when start-up cannot go on. */
function fail(io: CliIo, message: string, code = 1): never {
  io.stderr.write(`tenantdesk: ${message}\n`);
  return io.exit(code);
}

async function explain(io: CliIo, error: unknown): Promise<never> {
  const [{ ConfigError }, { DatabaseUnavailableError }, { MigrationError }, { RequestLoginError }] = await Promise.all([
    import('../config/config.ts'),
    import('../db/database.ts'),
    import('../db/migrate.ts'),
    import('../db/request-login.ts'),
  ]);
  if (error instanceof ConfigError) fail(io, error.message, 2);
  if (error instanceof AppError) fail(io, `${error.message}${error.field ? ` (${error.field})` : ''} [${error.code}]`);
  if (error instanceof DataDirLockedError || error instanceof DatabaseUnavailableError || error instanceof MigrationError || error instanceof RequestLoginError) fail(io, error.message);
  throw error;
}

async function serve(io: CliIo, demo: boolean): Promise<void> {
  try {
    const [{ loadConfig }, { createServerLogger }, { openRuntime }] = await Promise.all([import('../config/config.ts'), import('../config/logger.ts'), import('./runtime.ts')]);
    const config = loadConfig(demo ? demoPublicOrigin(io.env) : io.env);
    const log = await createServerLogger(config);
    // Where a start's time goes, at debug (bench/second-start.ts reads it): ms since the process began.
    const loaded = performance.now();
    if (needsFirstStartChild(config)) await prepareInChild(io, demo);
    const prepared = performance.now();
    const rt = await openRuntime(config, log);
    const opened = performance.now();
    const { startServer } = await import('../http/server.ts');
    const server = await startServer(rt, { demo });
    const ms = (from: number, to: number) => Math.round(to - from);
    log.debug({ startMs: { modules: ms(0, loaded), firstStart: ms(loaded, prepared), database: ms(prepared, opened), app: ms(opened, performance.now()) } }, 'start-up times');
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
      // The grace period is the server's to keep; this is the backstop for a close that hangs.
      const timer = setTimeout(() => fail(io, 'shutdown timed out'), config.shutdownGraceMs + 5000);
      server.stop().then((clean) => {
        clearTimeout(timer);
        if (!clean) fail(io, `shutdown: work still in hand after SHUTDOWN_GRACE_MS=${config.shutdownGraceMs} was cut off`);
        io.exit(0);
      }, (error: unknown) => explain(io, error));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (error) {
    await explain(io, error);
  }
}

/**
 * The demo is browsed at http://<tenant>.localhost:PORT, so the links it mails (password reset,
 * rating links) say that unless PUBLIC_SCHEME or PUBLIC_PORT are given (decision 0135).
 */
export function demoPublicOrigin(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, PUBLIC_SCHEME: env.PUBLIC_SCHEME ?? 'http', PUBLIC_PORT: env.PUBLIC_PORT ?? env.PORT ?? '8080' };
}

/** `serve`'s first step in a child process (first-start.ts): a new embedded database, migrated and seeded. */
async function prepare(io: CliIo, demo: boolean): Promise<void> {
  try {
    const [{ loadConfig }, { createServerLogger }] = await Promise.all([import('../config/config.ts'), import('../config/logger.ts')]);
    const config = loadConfig(io.env);
    await prepareEmbedded(config, await createServerLogger(config), demo);
  } catch (error) {
    await explain(io, error);
  }
}

/** Asks to type the slug again; without a terminal to ask on, --yes is required. */
async function confirmDeletion(io: CliIo, slug: string): Promise<void> {
  if (!io.stdin.isTTY) fail(io, `Deleting tenant "${slug}" removes all its data: add --yes to confirm.`);
  const prompt = createInterface({ input: io.stdin, output: io.stdout });
  const answer = await prompt.question(`Deleting tenant "${slug}" removes all its data. Type the slug to confirm: `);
  prompt.close();
  if (answer.trim() !== slug) fail(io, 'Not confirmed; nothing was deleted.');
}

/** How to run one command: by default the admin command of that name, here or in the server. */
type AdminRun = {
  readonly remote?: (socketPath: string) => Promise<{ output?: string; error?: { code: string; message: string; field?: string } } | undefined>;
  readonly local?: (rt: Runtime) => Promise<string>;
};

/** Runs an admin command here, or in the running server when it holds the embedded database. */
async function admin(io: CliIo, command: string, options: AdminOptions, run: AdminRun = {}): Promise<void> {
  try {
    const config = (await import('../config/config.ts')).loadConfig(io.env);
    const holder = config.databaseUrl ? undefined : readLock(resolve(config.dataDir));
    if (holder?.adminSocket) {
      const { sendAdminCommand } = await import('./admin-socket.ts');
      // The socket is gone while that server shuts down (or the lock's process id now belongs to another process).
      const reply = await (run.remote ?? ((socket) => sendAdminCommand(socket, command, options)))(holder.adminSocket).catch((error: Error) =>
        fail(io, `The server (process ${holder.pid}) holding the embedded database in ${resolve(config.dataDir)} does not answer on ${holder.adminSocket} (${error.message}); if it is stopping, try again once it has stopped.`),
      );
      if (reply?.error) fail(io, `${reply.error.message}${reply.error.field ? ` (${reply.error.field})` : ''} [${reply.error.code}]`);
      if (reply?.output !== undefined) io.stdout.write(`${reply.output}\n`);
      return;
    }
    const { adminCommands, migrateEveryShard } = await import('./admin-commands.ts');
    if (command === 'migrate') {
      const [{ openDatabase }, { Shards }, { databaseOptions }] = await Promise.all([import('../db/database.ts'), import('../tenancy/placement/shards.ts'), import('./runtime.ts')]);
      // Not through openRuntime, which migrates as it opens: `migrate` would never see, nor report, what it applied.
      const database = await openDatabase(databaseOptions(config, 'command'));
      const shards = new Shards(database, { dataDir: config.databaseUrl ? undefined : config.dataDir });
      try {
        io.stdout.write(`${await migrateEveryShard(shards)}\n`);
      } finally {
        await shards.close();
        await database.close();
      }
      return;
    }
    const rt = await openCommandRuntime(io, config);
    try {
      const output = await (run.local ?? ((rt: Runtime) => adminCommands[command]!(rt, options)))(rt);
      if (output) io.stdout.write(`${output}\n`);
    } finally {
      await rt.shards.close();
      await rt.database.close();
    }
  } catch (error) {
    await explain(io, error);
  }
}

/** `tenant export`: the archive goes to stdout, never to a terminal; progress goes to stderr. */
async function exportArchive(io: CliIo, slug: string): Promise<void> {
  if (io.stdout.isTTY) fail(io, `The archive is binary: redirect it to a file, e.g. tenantdesk tenant export ${slug} > ${slug}.tdz`);
  const [{ receiveExport }, { exportTenant }, { progressBar }] = await Promise.all([
    import('./admin-socket.ts'),
    import('../tenancy/placement/export-tenant.ts'),
    import('./progress.ts'),
  ]);
  await admin(io, 'tenant.export', { slug }, {
    remote: (socket) => receiveExport(socket, slug, io.stdout),
    local: async (rt) => {
      const bar = progressBar(`Exporting ${slug}`, io.stderr);
      const done = await exportTenant(rt.shards, rt.catalog, slug, io.stdout, { dataDir: rt.config.dataDir, progress: bar.update });
      bar.finish();
      if (io.stderr.isTTY) io.stderr.write(`Exported tenant ${slug}: ${done.rows} rows and ${done.files} files.\n`);
      return '';
    },
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function program(io: CliIo = processIo): Command {
  const cli = new Command('tenantdesk').description('TenantDesk: a multi-tenant help desk').showHelpAfterError();
  cli.command('start').description('serve HTTP, seeding the demo tenants on first run').action(() => serve(io, true));
  cli.command('serve').description('serve HTTP (no demo seeding)').action(() => serve(io, false));
  cli
    .command(PREPARE_COMMAND, { hidden: true })
    .option('--demo', 'seed the demo tenants too')
    .action((o: { demo?: boolean }) => prepare(io, o.demo === true));
  cli.command('migrate').description('apply pending database migrations').action(() => admin(io, 'migrate', {}));
  cli.command('demo').description('seed the demo tenants and logins into an empty catalog').action(() => admin(io, 'demo', {}));

  const tenant = cli.command('tenant').description('manage tenants');
  tenant
    .command('create')
    .description('create a tenant (the first one is the service provider)')
    .requiredOption('--slug <slug>', 'unique short name, e.g. acme')
    .requiredOption('--name <name>', 'display name')
    .option('--host <host>', 'a host name serving this tenant (repeatable)', collect)
    .option('--parent <slug>', 'the parent tenant')
    .option('--service-provider', 'mark as the service provider (only the first tenant)')
    .option('--subtenants-allowed', 'this tenant may have subtenants')
    .option('--silo', 'give the tenant a database of its own')
    .option('--server <url>', 'with --silo: the PostgreSQL server for it (default: the pool’s; the password comes from PGPASSWORD or ~/.pgpass)')
    .option('--template <slug>', 'start from a copy of this tenant’s configuration (departments, help topics, SLA plans, ...; never its people or tickets)')
    .action((o: AdminOptions) => admin(io, 'tenant.create', o));
  tenant.command('list').description('list tenants').action(() => admin(io, 'tenant.list', {}));
  tenant.command('show <slug>').description('show one tenant').action((slug: string) => admin(io, 'tenant.show', { slug }));
  tenant
    .command('delete <slug>')
    .description('delete a tenant and every row and file it owns (a silo: its database)')
    .option('--yes', 'do not ask for confirmation')
    .action(async (slug: string, o: { yes?: boolean }) => {
      if (!o.yes) await confirmDeletion(io, slug);
      await admin(io, 'tenant.delete', { slug });
    });
  tenant
    .command('move <slug>')
    .description('move a tenant into the pool or into a silo of its own; rerun to finish an interrupted move')
    .option('--to <where>', 'pool or silo (a rerun carries on the move under way)')
    .option('--server <url>', 'with --to silo: the PostgreSQL server for it (default: the pool’s)')
    .option('--abort', 'undo a move that has not switched yet: the tenant stays where it was')
    .action((slug: string, o: AdminOptions) => admin(io, 'tenant.move', { ...o, slug }));
  tenant
    .command('export <slug>')
    .description("write the tenant's archive (every row and file) to stdout: tenantdesk tenant export acme > acme.tdz")
    .action((slug: string) => exportArchive(io, slug));
  tenant
    .command('import <file>')
    .description('create a tenant, in the pool, from an archive made by export')
    .option('--slug <slug>', "import under another slug than the archive's")
    .option('--host <host>', "host names instead of the archive's (repeatable)", collect)
    .option('--parent <slug>', "the parent tenant, instead of the archive's")
    .action((file: string, o: AdminOptions) => admin(io, 'tenant.import', { ...o, file: resolve(file) }));
  tenant.command('suspend <slug>').description('suspend a tenant: its hosts answer 403').action((slug: string) => admin(io, 'tenant.suspend', { slug }));
  tenant.command('resume <slug>').description('make a suspended tenant active again').action((slug: string) => admin(io, 'tenant.resume', { slug }));
  tenant
    .command('quota <slug>')
    .description("show a tenant's limits, or set its own (a number, or \"default\" for the TENANT_* setting)")
    .option('--api-rate <n>', 'API requests per second, on average')
    .option('--api-burst <n>', 'API requests at once above that rate')
    .option('--mail-per-hour <n>', 'inbound messages per hour; more are deferred')
    .option('--storage-mb <n>', 'attachment storage, in MB')
    .action((slug: string, o: AdminOptions) => admin(io, 'tenant.quota', { ...o, slug }));
  const senderDomain = tenant.command('sender-domain').description('the domains a tenant may send mail from (verified by you, the service provider)');
  senderDomain.command('add <slug> <domain>').description('verify a domain for a tenant (one tenant per domain; never an installation domain)').action((slug: string, d: string) => admin(io, 'tenant.sender-domain.add', { slug, domain: d }));
  senderDomain.command('remove <slug> <domain>').description("withdraw a tenant's sender domain").action((slug: string, d: string) => admin(io, 'tenant.sender-domain.remove', { slug, domain: d }));
  senderDomain.command('list <slug>').description("list a tenant's sender domains").action((slug: string) => admin(io, 'tenant.sender-domain.list', { slug }));
  const host = tenant.command('host').description("manage a tenant's host names");
  host.command('add <slug> <host>').description('add a host name').action((slug: string, h: string) => admin(io, 'tenant.host.add', { slug, host: h }));
  host.command('remove <slug> <host>').description('remove a host name').action((slug: string, h: string) => admin(io, 'tenant.host.remove', { slug, host: h }));

  const group = cli.command('group').description('manage tenant groups');
  group
    .command('create <slug>')
    .description('create a user-defined tenant group')
    .requiredOption('--name <name>', 'display name')
    .option('--description <text>', 'what the group is for')
    .action((slug: string, o: AdminOptions) => admin(io, 'group.create', { ...o, slug }));
  group.command('add <group> <tenants...>').description('add tenants to a group').action((g: string, tenants: string[]) => admin(io, 'group.add', { group: g, tenants }));
  group.command('remove <group> <tenants...>').description('remove tenants from a group').action((g: string, tenants: string[]) => admin(io, 'group.remove', { group: g, tenants }));
  group.command('list').description('list tenant groups').option('--all', 'include the groups maintained from the hierarchy').action((o: AdminOptions) => admin(io, 'group.list', o));
  const contact = cli.command('contact').description('manage contacts');
  contact
    .command('create')
    .description('create a contact (agent, customer or service-provider staff)')
    .requiredOption('--tenant <slug>', 'the tenant the contact belongs to')
    .requiredOption('--email <email>', 'email, unique in the tenant')
    .requiredOption('--name <name>', 'display name')
    .option('--kind <kind>', 'agent, customer or staff (default: follows the first --role, else agent)')
    .option('--password <password>', 'a password to sign in with')
    .option('--role <slug>', 'a role to give (repeatable; the first is the default)', collect)
    .action((o: AdminOptions) => admin(io, 'contact.create', o));

  const role = cli.command('role').description('manage roles');
  role
    .command('create')
    .description('create a role')
    .requiredOption('--slug <slug>', 'short name')
    .requiredOption('--name <name>', 'display name')
    .requiredOption('--read <access>', 'read access: all, own, tenant:<slug> or group:<slug>')
    .requiredOption('--write <access>', 'write access: all, own, tenant:<slug> or group:<slug>')
    .option('--tenant <slug>', "the tenant owning the role (default: a public role)")
    .option('--write-public', 'may write public objects')
    .option('--permission <permission>', 'a permission, e.g. ticket.create or admin.* (repeatable)', collect)
    .option('--partition <json>', 'a data partition, e.g. {"type":"ticket","field":"requester_id","op":"=","value":"@me"} (repeatable)', collect)
    .action((o: AdminOptions) => admin(io, 'role.create', o));
  role
    .command('grant')
    .description('give a contact a role')
    .requiredOption('--tenant <slug>', "the contact's tenant")
    .requiredOption('--contact <email>', "the contact's email")
    .requiredOption('--role <slug>', 'the role')
    .action((o: AdminOptions) => admin(io, 'role.grant', o));
  role.command('list').description('list roles').option('--tenant <slug>', "only this tenant's own roles").action((o: AdminOptions) => admin(io, 'role.list', o));

  const apikey = cli.command('apikey').description('manage API keys');
  apikey
    .command('create')
    .description('create an API key; the key is printed alone on the last line, once')
    .requiredOption('--tenant <slug>', "the contact's tenant")
    .requiredOption('--contact <email>', 'the contact the key acts as')
    .option('--role <slug>', "the role it acts with (default: the contact's default role)")
    .option('--name <name>', 'what the key is for')
    .option('--allow-ip <cidr>', 'accept the key only from this address or range (repeatable)', collect)
    .action((o: AdminOptions) => admin(io, 'apikey.create', o));
  apikey.command('revoke <id>').description('revoke an API key at once').action((id: string) => admin(io, 'apikey.revoke', { id }));

  const importer = cli.command('import').description('move another help desk in');
  importer
    .command('osticket')
    .description('import an osTicket 1.14-1.18 database (read only) into a tenant, or every site of a multi-site installation; rerun to catch up')
    .option('--from <url>', 'the osTicket database: mysql://user:password@host:3306/database')
    .option('--tenant <slug>', 'with --from: the tenant to import into')
    .option('--create', 'with --from: create the tenant when it does not exist')
    .option('--name <name>', 'with --create: its display name')
    .option('--host <host>', 'with --create: a host name serving it (repeatable)', collect)
    .option('--parent <slug>', 'with --create: its parent tenant')
    .option('--sites <url>', 'a multi-site master database: each row of its sites table becomes a tenant')
    .option('--sites-table <table>', 'with --sites: the table of sites (default ost_sites)')
    .option('--only <site>', 'with --sites: import only this site (repeatable)', collect)
    .option('--files <dir>', "osTicket's filesystem attachment storage folder, for files not kept in the database")
    .option('--organizations <mode>', 'osTicket organizations as "attribute" of their users (default) or as "subtenants" of the tenant')
    .option('--dry-run', 'read everything, write nothing: print what would be created and what cannot be mapped')
    .option('--json', 'print the report as JSON')
    .action((o: AdminOptions) =>
      admin(io, 'import.osticket', o, {
        local: async (rt) => (await import('./import-commands.ts')).importOsticketCommand(rt, o, io.stderr),
      }),
    );

  const mailbox = cli.command('mailbox').description("manage tenants' support addresses (the email channel)");
  mailbox
    .command('add')
    .description('add a support address to a tenant; mail to it opens and answers tickets there')
    .requiredOption('--tenant <slug>', 'the tenant')
    .requiredOption('--address <address>', 'the support address, e.g. support@acme.example')
    .option('--name <name>', 'display name of outgoing mail')
    .option('--from <address>', 'sender of outgoing mail (default: the address)')
    .option('--imap <url>', 'fetch this IMAP mailbox every minute: imap://user:password@host:port/INBOX (imaps:// for TLS); the password is stored encrypted with MAIL_SECRET')
    .option('--imap-move-to <folder>', 'move fetched messages to this folder instead of only marking them seen')
    .option('--smtp <url>', "this tenant's own outbound relay, smtp(s)://user:password@host:port (default: SMTP_URL)")
    .option('--known-senders-only', 'refuse (quarantine) mail from addresses that are not contacts of the tenant')
    .option('--no-auto-reply', 'do not acknowledge new tickets by mail')
    .action((o: AdminOptions) => admin(io, 'mailbox.add', o));
  mailbox.command('list').description('list support addresses').option('--tenant <slug>', "only this tenant's").action((o: AdminOptions) => admin(io, 'mailbox.list', o));
  mailbox.command('remove <address>').description('remove a support address').action((address: string) => admin(io, 'mailbox.remove', { address }));
  const sso = cli.command('sso').description("manage tenants' single sign-on connections (OpenID Connect)");
  const ssoFields = (command: ReturnType<typeof cli.command>) =>
    command
      .option('--name <name>', 'the button says "Sign in with <name>"')
      .option('--issuer <url>', "the provider's issuer URL (discovery at /.well-known/openid-configuration)")
      .option('--client-id <id>', 'the client id registered at the provider')
      .option('--client-secret <secret>', 'its secret, stored encrypted with MAIL_SECRET (empty: a public client)')
      .option('--scopes <scopes>', 'scopes asked for (default "openid email profile")')
      .option('--email-claim <claim>', 'the claim carrying the email (default "email")')
      .option('--domain <domain>', 'an allowed email domain (repeatable; none: any)', collect)
      .option('--local-passwords', 'contacts of the tenant may still sign in with a password')
      .option('--no-local-passwords', 'contacts of the tenant sign in through single sign-on only')
      .option('--jit <mode>', 'just-in-time provisioning: off, customers, customers_and_agents')
      .option('--jit-role <slug>', 'the default role of contacts it creates')
      .option('--groups-claim <claim>', 'the claim listing groups (default "groups")')
      .option('--map <group=role>', 'a contact in this group holds this role (repeatable)', collect);
  ssoFields(sso.command('add').description('add an OpenID Connect connection to a tenant').requiredOption('--tenant <slug>', 'the tenant')).action((o: AdminOptions) => admin(io, 'sso.add', o));
  ssoFields(sso.command('update <id>').description('change a connection (only the options given)'))
    .option('--disable', 'hide its button and refuse its sign-ins')
    .option('--enable', 'offer it again')
    .action((id: string, o: AdminOptions) => admin(io, 'sso.update', { ...o, id, ...(o.disable ? { active: false } : o.enable ? { active: true } : {}) }));
  sso.command('list').description('list connections (never a secret)').option('--tenant <slug>', "only this tenant's").action((o: AdminOptions) => admin(io, 'sso.list', o));
  sso.command('remove <id>').description('remove a connection').action((id: string) => admin(io, 'sso.remove', { id }));
  const webhook = cli.command('webhook').description("manage tenants' signed webhooks (Standard Webhooks)");
  webhook
    .command('add')
    .description('subscribe a URL to events of a tenant; the signing secret is printed once')
    .requiredOption('--tenant <slug>', 'the tenant')
    .requiredOption('--url <url>', 'where events are POSTed')
    .requiredOption('--event <event>', 'ticket.created, ticket.updated, ticket.status_changed, thread.reply_added, thread.note_added, contact.created (repeatable)', collect)
    .option('--description <text>', 'what it is for')
    .action((o: AdminOptions) => admin(io, 'webhook.add', o));
  webhook.command('list').description('list subscriptions (never a secret)').option('--tenant <slug>', "only this tenant's").action((o: AdminOptions) => admin(io, 'webhook.list', o));
  webhook.command('remove <id>').description('remove a subscription').action((id: string) => admin(io, 'webhook.remove', { id }));
  webhook.command('deliveries <id>').description("a subscription's delivery log").action((id: string) => admin(io, 'webhook.deliveries', { id }));
  webhook.command('redeliver <id> <delivery>').description('send one delivery again').action((id: string, delivery: string) => admin(io, 'webhook.redeliver', { id, delivery }));
  const kb = cli.command('kb').description("the knowledge base: a tenant's articles (--tenant <slug>) or the public ones (--public)");
  const kbScope = (command: ReturnType<typeof cli.command>) => command.option('--tenant <slug>', "the tenant's own articles").option('--public', "the service provider's public articles");
  kbScope(kb.command('list').description('list articles: id, slug, language, status, visibility, title')).action((o: AdminOptions) => admin(io, 'kb.list', o));
  kbScope(kb.command('show <article>').description('one article (id or slug) as JSON')).action((article: string, o: AdminOptions) => admin(io, 'kb.show', { ...o, article }));
  kbScope(kb.command('export').description('every article as JSON lines on stdout (what import reads)')).action((o: AdminOptions) => admin(io, 'kb.export', o));
  kbScope(kb.command('import <file>').description('write the articles of a JSON-lines file as new articles; a slug the tenant has in that language is left out'))
    .requiredOption('--author <email>', 'the contact the articles are written by')
    .action((file: string, o: AdminOptions) => admin(io, 'kb.import', { ...o, file }));
  const mail = cli.command('mail').description('the email channel');
  mail
    .command('pipe')
    .description('deliver one raw message read on stdin (for an MTA alias); exit codes per sysexits: 0 taken, 65 bad input, 67 no such support address, 75 try again later')
    .option('--to <address>', 'the envelope recipient (repeatable; default: Delivered-To, To and Cc of the message)', collect)
    .action((o: { to?: string[] }) => pipeMail(io, o));
  mail.command('quarantine').description('list messages kept in quarantine').option('--tenant <slug>', "only this tenant's").action((o: AdminOptions) => admin(io, 'mail.quarantine', o));
  return cli;
}

