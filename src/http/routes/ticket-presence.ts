import type { FastifyInstance } from 'fastify';
import { leaveTicket, markPresence, type Activity } from '../../desk/tickets/ticket-presence.ts';
import { deskOf } from '../desk-request.ts';
import { idParams } from './ticket-schemas.ts';

const tags = ['tickets'];

const presenceShape = {
  type: 'object',
  properties: {
    present: {
      type: 'array',
      items: {
        type: 'object',
        properties: { contactId: { type: 'string' }, name: { type: 'string' }, activity: { type: 'string', enum: ['viewing', 'replying'] }, expiresAt: { type: 'string', format: 'date-time' } },
      },
    },
  },
} as const;

const markBody = { type: 'object', properties: { activity: { type: 'string', enum: ['viewing', 'replying'] } }, required: ['activity'], additionalProperties: false } as const;

/** The collision notice: agents on a ticket mark themselves, and learn who else is on it (decision 0121). */
export async function ticketPresenceRoutes(app: FastifyInstance): Promise<void> {
  app.put<{ Params: { id: string }; Body: { activity: Activity } }>(
    '/api/v1/tickets/:id/presence',
    { schema: { tags, summary: 'Mark yourself viewing or replying on a ticket (for 30 s); answers who else is on it', params: idParams, body: markBody, response: { 200: presenceShape } } },
    async (request) => {
      const present = await markPresence(deskOf(request), request.params.id, { activity: request.body.activity, name: request.actor.name });
      return { present: present.map((p) => ({ ...p, expiresAt: p.expiresAt.toISOString() })) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/tickets/:id/presence',
    { schema: { tags, summary: 'Leave a ticket: your mark goes at once', params: idParams, response: { 204: { type: 'null' } } } },
    async (request, reply) => {
      await leaveTicket(deskOf(request), request.params.id);
      return reply.status(204).send();
    },
  );
}
