import { z } from 'zod';

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
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: booleanFlag.default(false),
  MULTI_TENANCY: z.enum(['off', 'setup', 'on']).default('on'),
  TENANCY_UNTENANTED: z.enum(['strict', 'warn', 'allow']).default('strict'),
  MAX_TENANT_DEPTH: z.coerce.number().int().min(1).max(64).default(8),
  MAX_TENANTS: z.coerce.number().int().min(1).optional(),
  HOST_CACHE_TTL_MS: z.coerce.number().int().min(0).default(1000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  SIGNIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  SIGNIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(50),
  SIGNIN_WINDOW_MINUTES: z.coerce.number().min(1).max(24 * 60).default(15),
  PUBLIC_SCHEME: z.enum(['http', 'https']).default('https'),
  SESSION_TTL_HOURS: z.coerce.number().min(0.01).max(24 * 90).default(12),
  JOB_RUNNER: booleanFlag.default(true),
  JOB_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).default(1000),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  appDatabaseUrl: string | undefined;
  dbPoolMax: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  trustProxy: boolean;
  multiTenancy: 'off' | 'setup' | 'on';
  untenanted: 'strict' | 'warn' | 'allow';
  maxTenantDepth: number;
  maxTenants: number | undefined;
  hostCacheTtlMs: number;
  shutdownTimeoutMs: number;
  sessionTtlMs: number;
  signInThrottle: SignInThrottle;
  publicScheme: 'http' | 'https';
  /** Whether this process runs background jobs, and how often it looks for due ones. */
  jobs: { enabled: boolean; pollMs: number };
};

/** How many failed sign-ins, per account and per client address, lock sign-in for the window. */
export type SignInThrottle = { maxPerAccount: number; maxPerIp: number; windowMs: number };

export class ConfigError extends Error {}

/** Reads the configuration; a bad value throws a ConfigError whose message is one line naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(emptyToUndefined(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid ${variable}=${JSON.stringify(hidePassword(env[variable] ?? ''))}: ${issue.message}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    appDatabaseUrl: e.APP_DATABASE_URL,
    dbPoolMax: e.DB_POOL_MAX,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    multiTenancy: e.MULTI_TENANCY,
    untenanted: e.TENANCY_UNTENANTED,
    maxTenantDepth: e.MAX_TENANT_DEPTH,
    maxTenants: e.MAX_TENANTS,
    hostCacheTtlMs: e.HOST_CACHE_TTL_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    sessionTtlMs: Math.round(e.SESSION_TTL_HOURS * 3600_000),
    signInThrottle: {
      maxPerAccount: e.SIGNIN_MAX_FAILURES_PER_ACCOUNT,
      maxPerIp: e.SIGNIN_MAX_FAILURES_PER_IP,
      windowMs: Math.round(e.SIGNIN_WINDOW_MINUTES * 60_000),
    },
    publicScheme: e.PUBLIC_SCHEME,
    jobs: { enabled: e.JOB_RUNNER, pollMs: e.JOB_POLL_MS },
  };
}

// A mistyped DATABASE_URL (`postgress://app:secret@...`) must not print its password on stderr and in logs.
function hidePassword(value: string): string {
  return value.replace(/(\/\/[^:/@]*):[^@]*@/, '$1:***@');
}

// An exported-but-empty variable (`PORT=`) means "not set", as most twelve-factor tools treat it.
function emptyToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
}
