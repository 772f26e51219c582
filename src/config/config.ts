import { isIP } from 'node:net';
import { z } from 'zod';
import { parseAddressPolicy, type AddressPolicy } from '../net/address-policy.ts';

/** Every setting TenantDesk reads, from environment variables only, validated once at start-up. */
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const optionalUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
  .optional();

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalUrl,
  APP_DATABASE_URL: optionalUrl,
  DB_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
  // Off behind a connection pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
  DB_PREPARED_STATEMENTS: booleanFlag.default(true),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  TRUST_PROXY: booleanFlag.default(false),
  MULTI_TENANCY: z.enum(['off', 'setup', 'on']).default('on'),
  TENANCY_UNTENANTED: z.enum(['strict', 'warn', 'allow']).default('strict'),
  MAX_TENANT_DEPTH: z.coerce.number().int().min(1).max(64).default(8),
  MAX_TENANTS: z.coerce.number().int().min(1).optional(),
  HOST_CACHE_TTL_MS: z.coerce.number().int().min(0).default(1000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(100).optional(),
  // The former name of SHUTDOWN_GRACE_MS, still read when it is not set.
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).optional(),
  // Per account *and client address* (the name predates issue 18: never per account alone).
  SIGNIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  SIGNIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(50),
  SIGNIN_WINDOW_MINUTES: z.coerce.number().min(1).max(24 * 60).default(15),
  PUBLIC_SCHEME: z.enum(['http', 'https']).default('https'),
  // The port of the tenants' public addresses in links we mail, when it is not the scheme's own (decision 0135).
  PUBLIC_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  SESSION_TTL_HOURS: z.coerce.number().min(0.01).max(24 * 90).default(12),
  JOB_RUNNER: booleanFlag.default(true),
  JOB_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(1000),
  ATTACHMENT_MAX_MB: z.coerce.number().min(0.001).max(1024).default(10),
  SMTP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_TLS_CERT: z.string().min(1).optional(),
  SMTP_TLS_KEY: z.string().min(1).optional(),
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  MAIL_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  MAIL_FROM: z.string().regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address').default('helpdesk@localhost'),
  MAIL_MAX_MESSAGE_BYTES: z.coerce.number().int().min(1024).default(25 * 1024 * 1024),
  MAIL_RATE_PER_SENDER_PER_HOUR: z.coerce.number().int().min(1).default(30),
  // Whose Authentication-Results header fields (RFC 8601) are believed: the authserv-ids of the MTAs that receive our mail.
  MAIL_TRUSTED_AUTHSERV_IDS: z
    .string()
    .transform((v) => v.split(',').map((id) => id.trim().toLowerCase()).filter(Boolean))
    .refine((ids) => ids.every((id) => /^[a-z0-9](?:[a-z0-9._-]{0,251}[a-z0-9])?$/.test(id)), 'must be comma-separated authserv-ids (host names such as mx.example.com)')
    .default([]),
  // The SMTP peers whose mail may carry those header fields (the MTA relaying to SMTP_PORT); others' are ignored.
  MAIL_TRUSTED_RELAYS: z
    .string()
    .transform((v) => v.split(',').map((a) => a.trim()).filter(Boolean))
    .refine((list) => list.every(isAddressOrNetwork), 'must be comma-separated IP addresses or networks (127.0.0.1, 10.0.0.0/8, ::1)')
    .default(['127.0.0.0/8', '::1']),
  MAIL_AGENT_TOKEN_DAYS: z.coerce.number().min(0.001).max(365).default(30),
  // Domains the installation sends from (the service provider's); MAIL_FROM's domain is always one.
  MAIL_SENDER_DOMAINS: z
    .string()
    .regex(/^\s*([a-z0-9-]+(\.[a-z0-9-]+)+)(\s*[,\s]\s*[a-z0-9-]+(\.[a-z0-9-]+)+)*\s*$/i, 'must be domain names separated by commas')
    .optional(),
  // What outbound connections (mail hosts tenants name, webhooks, identity providers) may reach
  // besides public addresses: CIDR ranges, addresses and host names. Default: public addresses only.
  OUTBOUND_ALLOW: z
    .string()
    .optional()
    .superRefine((value, context) => {
      try {
        parseAddressPolicy(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  // Per-tenant limits; 0 = none. A tenant's row in tenant_quotas overrides them (tenantdesk tenant quota).
  TENANT_API_RATE: z.coerce.number().min(0).default(50),
  TENANT_API_BURST: z.coerce.number().int().min(1).default(200),
  TENANT_MAIL_PER_HOUR: z.coerce.number().int().min(0).default(1000),
  TENANT_STORAGE_MB: z.coerce.number().min(0).default(10 * 1024),
  // The most API tokens a process takes at once from a tenant's shared bucket (tenancy/api-rate-leases.ts).
  TENANT_API_LEASE_MAX: z.coerce.number().int().min(1).max(1000).default(20),
  // Prometheus metrics on a port of their own; off when unset. Loopback unless METRICS_HOST says otherwise.
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  // Tenants (slugs, comma-separated) that get series of their own; every other tenant has none.
  METRICS_TENANTS: z
    .string()
    .regex(/^[a-z0-9-]+(,[a-z0-9-]+)*$/, 'must be tenant slugs separated by commas')
    .refine((v) => v.split(',').length <= 100, 'names at most 100 tenants: per-tenant series are for a few tenants watched closely')
    .optional(),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  appDatabaseUrl: string | undefined;
  dbPoolMax: number;
  dbPreparedStatements: boolean;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** `auto`: one coloured line per entry on a terminal, JSON lines otherwise (a file, a log collector). */
  logFormat: 'auto' | 'json' | 'pretty';
  trustProxy: boolean;
  multiTenancy: 'off' | 'setup' | 'on';
  untenanted: 'strict' | 'warn' | 'allow';
  maxTenantDepth: number;
  maxTenants: number | undefined;
  hostCacheTtlMs: number;
  /** After SIGTERM: how long requests in flight, the job in hand and SMTP sessions get to finish. */
  shutdownGraceMs: number;
  sessionTtlMs: number;
  signInThrottle: SignInThrottle;
  publicScheme: 'http' | 'https';
  /** Whether this process runs background jobs, and how often it looks for due ones. */
  jobs: { enabled: boolean; pollMs: number };
  /** The largest attachment accepted, in bytes (bigger ones are refused with 413). */
  attachmentMaxBytes: number;
  mail: MailConfig;
  /** OUTBOUND_ALLOW: the special-purpose addresses and host names outbound connections may reach (src/net). */
  outboundPolicy: AddressPolicy;
  /** The default limits of every tenant (tenant_quotas overrides them per tenant). */
  tenantLimits: TenantLimits;
  /** The most API tokens a process takes at once from a tenant's installation-wide bucket. */
  apiLeaseMax: number;
  /** /metrics: its own port (undefined: off) and address, and the tenants with series of their own. */
  metrics: MetricsConfig;
};

export type MetricsConfig = { port: number | undefined; host: string; tenants: readonly string[] };

/** Per-tenant limits; 0 means no limit. */
export type TenantLimits = {
  /** API requests per second a tenant's host is served, on average (token bucket refill rate). */
  readonly apiRate: number;
  /** Requests a tenant may send at once above that rate (the bucket's size). */
  readonly apiBurst: number;
  /** Inbound messages a tenant's mailboxes take per hour; more are deferred (SMTP 451, IMAP left unseen). */
  readonly mailPerHour: number;
  /** Bytes of attachments a tenant may keep. */
  readonly storageBytes: number;
};

/** The email channel (src/mail): listener, outbound relay, the secret, limits. */
export type MailConfig = {
  /** The SMTP listener's port; undefined: no listener. */
  smtpPort: number | undefined;
  smtpHost: string;
  /** STARTTLS is offered when both files are given. */
  tls: { certFile: string; keyFile: string } | undefined;
  /** The installation's outbound relay (a tenant's mailbox may name its own). */
  relayUrl: string | undefined;
  /** Encrypts mailbox credentials and signs our Message-IDs; undefined: neither is possible. */
  secret: string | undefined;
  defaultFrom: string;
  /**
   * The domains the installation itself sends from (MAIL_SENDER_DOMAINS and MAIL_FROM's), lower
   * case: the service provider's mail may use them, other tenants' never (src/mail/sender-address.ts).
   */
  senderDomains: readonly string[];
  maxMessageBytes: number;
  /** Per attachment (ATTACHMENT_MAX_MB, shared with uploads). */
  maxAttachmentBytes: number;
  ratePerSenderPerHour: number;
  /** The authserv-ids (lower-cased) whose Authentication-Results may prove an agent's mail; empty: none. */
  trustedAuthservIds: readonly string[];
  /** SMTP peers (addresses, CIDR networks) allowed to hand us Authentication-Results; mail from others has them ignored. */
  trustedRelays: readonly string[];
  /** How long an agent reply token (message-token.ts) in mail we sent an agent lets that agent reply by mail. */
  agentTokenMaxAgeMs: number;
  /**
   * How links in mail reach a tenant's public address (its primary host): PUBLIC_SCHEME and
   * PUBLIC_PORT (undefined: the scheme's own port). Unset: https, no port (decision 0135).
   */
  publicOrigin?: PublicOrigin;
};

export type PublicOrigin = { readonly scheme: 'http' | 'https'; readonly port: number | undefined };

/** How many failed sign-ins, per account and per client address, lock sign-in for the window. */
export type SignInThrottle = { maxPerAccountClient: number; maxPerIp: number; windowMs: number };

export class ConfigError extends Error {}

/** Reads the configuration; a bad value throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(emptyToUndefined(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    // A secret is never echoed, not even a wrong one.
    const shown = variable === 'MAIL_SECRET' ? '***' : hidePassword(env[variable] ?? '');
    throw new ConfigError(`Invalid ${variable}=${JSON.stringify(shown)}: ${issue.message}`);
  }
  const e = parsed.data;
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(`Invalid METRICS_PORT=${JSON.stringify(String(e.METRICS_PORT))}: must differ from PORT, where every host is a tenant's`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    appDatabaseUrl: e.APP_DATABASE_URL,
    dbPoolMax: e.DB_POOL_MAX,
    dbPreparedStatements: e.DB_PREPARED_STATEMENTS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    trustProxy: e.TRUST_PROXY,
    multiTenancy: e.MULTI_TENANCY,
    untenanted: e.TENANCY_UNTENANTED,
    maxTenantDepth: e.MAX_TENANT_DEPTH,
    maxTenants: e.MAX_TENANTS,
    hostCacheTtlMs: e.HOST_CACHE_TTL_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS ?? e.SHUTDOWN_TIMEOUT_MS ?? 10000,
    sessionTtlMs: Math.round(e.SESSION_TTL_HOURS * 3600_000),
    signInThrottle: {
      maxPerAccountClient: e.SIGNIN_MAX_FAILURES_PER_ACCOUNT,
      maxPerIp: e.SIGNIN_MAX_FAILURES_PER_IP,
      windowMs: Math.round(e.SIGNIN_WINDOW_MINUTES * 60_000),
    },
    publicScheme: e.PUBLIC_SCHEME,
    jobs: { enabled: e.JOB_RUNNER, pollMs: e.JOB_POLL_MS },
    attachmentMaxBytes: Math.round(e.ATTACHMENT_MAX_MB * 1024 * 1024),
    mail: {
      smtpPort: e.SMTP_PORT,
      smtpHost: e.SMTP_HOST ?? e.HOST,
      tls: e.SMTP_TLS_CERT && e.SMTP_TLS_KEY ? { certFile: e.SMTP_TLS_CERT, keyFile: e.SMTP_TLS_KEY } : undefined,
      relayUrl: e.SMTP_URL,
      secret: e.MAIL_SECRET,
      defaultFrom: e.MAIL_FROM,
      senderDomains: [...new Set([e.MAIL_FROM.split('@')[1]!, ...(e.MAIL_SENDER_DOMAINS ?? '').split(/[\s,]+/)].filter(Boolean).map((d) => d.toLowerCase()))],
      maxMessageBytes: e.MAIL_MAX_MESSAGE_BYTES,
      maxAttachmentBytes: Math.round(e.ATTACHMENT_MAX_MB * 1024 * 1024),
      ratePerSenderPerHour: e.MAIL_RATE_PER_SENDER_PER_HOUR,
      trustedAuthservIds: e.MAIL_TRUSTED_AUTHSERV_IDS,
      trustedRelays: e.MAIL_TRUSTED_RELAYS,
      agentTokenMaxAgeMs: Math.round(e.MAIL_AGENT_TOKEN_DAYS * 24 * 3600_000),
      publicOrigin: { scheme: e.PUBLIC_SCHEME, port: e.PUBLIC_PORT },
    },
    outboundPolicy: parseAddressPolicy(e.OUTBOUND_ALLOW),
    tenantLimits: {
      apiRate: e.TENANT_API_RATE,
      apiBurst: e.TENANT_API_BURST,
      mailPerHour: e.TENANT_MAIL_PER_HOUR,
      storageBytes: Math.round(e.TENANT_STORAGE_MB * 1024 * 1024),
    },
    apiLeaseMax: e.TENANT_API_LEASE_MAX,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST, tenants: e.METRICS_TENANTS ? [...new Set(e.METRICS_TENANTS.split(','))] : [] },
  };
}

/** `10.1.2.3`, `::1`, or a network `10.0.0.0/8`, `fd00::/8` with a prefix that fits the family. */
function isAddressOrNetwork(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

// A mistyped DATABASE_URL (`postgress://app:secret@...`) must not print its password on stderr and in logs.
function hidePassword(value: string): string {
  return value.replace(/(\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

// An exported-but-empty variable (`PORT=`) means "not set", as most twelve-factor tools treat it.
function emptyToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
}
