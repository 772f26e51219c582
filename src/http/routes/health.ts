import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { migrationStatus } from '../../db/migrate.ts';

const healthReply = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    database: { type: 'string' },
    pendingMigrations: { type: 'array', items: { type: 'string' } },
    /** Messages waiting in the mail quarantine of the pool's tenants (a count only: no tenant named). */
    mailQuarantine: { type: 'integer' },
  },
  required: ['status'],
} as const;

/** Liveness (the process answers) and readiness (database reachable, migrations current). */
export async function healthRoutes(app: FastifyInstance, options: { database: Database }): Promise<void> {
  app.get('/healthz', { schema: { response: { 200: healthReply } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { response: { 200: healthReply, 503: healthReply } } }, async (_request, reply) => {
    if (app.drain?.draining) return reply.status(503).send({ status: 'shutting down', database: options.database.kind });
    try {
      const { pending, mailQuarantine } = await withTimeout(probe(options.database), READY_TIMEOUT_MS);
      const ready = pending.length === 0;
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'migrations pending', database: options.database.kind, pendingMigrations: pending, ...(ready ? { mailQuarantine } : {}) });
    } catch {
      return reply.status(503).send({ status: 'database unreachable', database: options.database.kind });
    }
  });
}

/** A probe answers within this time, whatever the database does (a lost host can take the pool's 5 s to time out). */
const READY_TIMEOUT_MS = 2000;

async function probe(database: Database): Promise<{ pending: string[]; mailQuarantine: number }> {
  await sql`select 1`.execute(database.system);
  const { pending } = await migrationStatus(database);
  return { pending, mailQuarantine: pending.length ? 0 : await quarantined(database) };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  // The probe may still settle after the timeout: its outcome is no one's concern then.
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

// The pool only: a probe must stay cheap, and opening every silo is not (`tenantdesk mail quarantine` lists all).
async function quarantined(database: Database): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::integer as n from mail_quarantine where released_at is null`.execute(database.system);
  return result.rows[0]!.n;
}
