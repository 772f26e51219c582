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
    try {
      await sql`select 1`.execute(options.database.owner);
      const { pending } = await migrationStatus(options.database);
      const ready = pending.length === 0;
      const mailQuarantine = ready ? await quarantined(options.database) : undefined;
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'migrations pending', database: options.database.kind, pendingMigrations: pending, ...(mailQuarantine === undefined ? {} : { mailQuarantine }) });
    } catch {
      return reply.status(503).send({ status: 'database unreachable', database: options.database.kind });
    }
  });
}

// The pool only: a probe must stay cheap, and opening every silo is not (`tenantdesk mail quarantine` lists all).
async function quarantined(database: Database): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::integer as n from mail_quarantine where released_at is null`.execute(database.owner);
  return result.rows[0]!.n;
}
