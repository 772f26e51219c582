import type { FastifyInstance } from 'fastify';
import { multiTenancyState } from '../../tenancy/catalog/tenancy-state.ts';

const stateReply = {
  type: 'object',
  properties: {
    state: { type: 'string', enum: ['off', 'setup', 'on'] },
    untenanted: { type: 'string', enum: ['strict', 'warn', 'allow'] },
    maxDepth: { type: 'integer' },
    maxTenants: { type: ['integer', 'null'] },
    catalogVersion: { type: 'integer' },
    tenantCount: { type: 'integer' },
    shards: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, kind: { type: 'string', enum: ['pool', 'silo'] }, location: { type: 'string' }, tenants: { type: 'array', items: { type: 'string' } } },
      },
    },
    moves: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          tenant: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          phase: { type: 'string' },
          startedAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
} as const;

/** The installation's multi-tenancy state, read-only: settings, catalog version, shards and their tenants, moves under way. */
export async function spStateRoutes(app: FastifyInstance): Promise<void> {
  app.get('/api/v1/sp/state', { schema: { tags: ['service-provider administration'], response: { 200: stateReply } } }, async (request) => {
    const state = await multiTenancyState(request.ctx.database, request.ctx.settings);
    return { ...state, moves: state.moves.map((m) => ({ ...m, startedAt: m.startedAt.toISOString(), updatedAt: m.updatedAt.toISOString() })) };
  });
}
