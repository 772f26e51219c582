import pg from 'pg';
import { closedLoop } from './load-driver.ts';

/**
 * The raw-SQL limit of a ticket creation on this machine, which issue 25's ratios are taken
 * against: the same durable work as `POST /api/v1/tickets` (a ticket row, its first thread entry
 * and an audit row, in one transaction) written straight through `pg` by `concurrency` clients
 * (a connection each, named prepared statements), with none of TenantDesk's work around it (no
 * HTTP, no tenancy, no row-level security: it connects as the database's owner).
 */
export type RawResult = { concurrency: number; rps: number; p50: number; p99: number; transactions: number; errors: number; nodeCpuMs: number };

const TICKET = {
  name: 'raw_ticket',
  text: `insert into tickets (subject, tags, tenant_id, number, status, status_id, custom_fields, created_at, sla_paused_minutes)
    values ($1, '{}', $2, $3, 'open', $4, '{}', now(), 0) returning id`,
};
const ENTRY = { name: 'raw_entry', text: `insert into thread_entries (ticket_id, kind, author_id, body_html, tenant_id) values ($1, 'reply', $2, $3, $4)` };
const AUDIT = {
  name: 'raw_audit',
  text: `insert into audit_events (tenant_id, actor_contact_id, action, object_type, object_id, data) values ($1, $2, 'ticket.created', 'ticket', $3, $4)`,
};

export async function rawCreations(url: string, options: { concurrency: number; seconds: number; warmup: number }): Promise<RawResult> {
  const pool = new pg.Pool({ connectionString: url, max: options.concurrency });
  try {
    const { rows: agents } = await pool.query<{ tenant_id: number; id: string }>(`select tenant_id, id from contacts where kind = 'agent' and email like 'agent@%.bench.test'`);
    const { rows: statuses } = await pool.query<{ id: string }>(`select id from ticket_statuses where slug = 'open' and tenant_id is null`);
    const status = statuses[0]!.id;
    let serial = 0;
    const next = () => ({
      kind: 'raw',
      run: async () => {
        const agent = agents[Math.floor(Math.random() * agents.length)]!;
        const client = await pool.connect();
        try {
          await client.query('begin');
          const number = `RAW-${process.pid}-${++serial}`;
          const ticket = await client.query<{ id: string }>({ ...TICKET, values: ['Bench create', agent.tenant_id, number, status] });
          const id = ticket.rows[0]!.id;
          await client.query({ ...ENTRY, values: [id, agent.id, '<p>The printer on floor 2 jams.</p>', agent.tenant_id] });
          await client.query({ ...AUDIT, values: [agent.tenant_id, agent.id, id, JSON.stringify({ number, subject: 'Bench create' })] });
          await client.query('commit');
        } catch (error) {
          await client.query('rollback').catch(() => {});
          throw error;
        } finally {
          client.release();
        }
      },
    });
    await closedLoop({ concurrency: options.concurrency, durationMs: options.warmup * 1000, next });
    const cpu = process.cpuUsage();
    const result = await closedLoop({ concurrency: options.concurrency, durationMs: options.seconds * 1000, next });
    const used = process.cpuUsage(cpu);
    const window = result.windows[0]!;
    const errors = [...result.errors.values()].reduce((a, b) => a + b, 0);
    return { concurrency: options.concurrency, rps: result.perSecond, p50: window.p50, p99: window.p99, transactions: result.completed, errors, nodeCpuMs: (used.user + used.system) / 1000 / Math.max(1, result.completed) };
  } finally {
    await pool.end();
  }
}
