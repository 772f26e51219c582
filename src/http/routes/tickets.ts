import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TicketState } from '../../db/schema.ts';
import { createTicket, type CreateTicketInput } from '../../desk/tickets/create-ticket.ts';
import { getTicket } from '../../desk/tickets/get-ticket.ts';
import { linkTickets, listLinks, type LinkKind } from '../../desk/tickets/link-tickets.ts';
import { listTickets, type TicketQuery } from '../../desk/tickets/list-tickets.ts';
import { mergeTicket } from '../../desk/tickets/merge-ticket.ts';
import { applyMacro } from '../../desk/tickets/apply-macro.ts';
import { closeTicket, reopenTicket } from '../../desk/tickets/ticket-lifecycle.ts';
import { updateTicket, type UpdateTicketInput } from '../../desk/tickets/update-ticket.ts';
import { addThreadEntry, type EntryKind } from '../../desk/threads/add-thread-entry.ts';
import { listThread } from '../../desk/threads/list-thread.ts';
import type { Row } from '../../tenancy/data-access.ts';
import { deskOf, expectedVersion, presentRow } from '../desk-request.ts';
import { idempotent } from '../idempotency.ts';
import {
  createTicketBody,
  entryBody,
  idParams,
  linkBody,
  linkShape,
  macroParams,
  listTicketsQuery,
  mergeBody,
  threadEntryShape,
  ticketShape,
  updateTicketBody,
  versionBody,
} from './ticket-schemas.ts';

type Id = { Params: { id: string } };
type ListQuery = Omit<TicketQuery, 'state'> & { status?: TicketState };

const tags = ['tickets'];

/** A ticket answer carries its version as ETag, ready for the If-Match of the next update. */
function sendTicket(request: FastifyRequest, reply: FastifyReply, ticket: Row, status = 200): FastifyReply {
  return reply.status(status).header('etag', `"${ticket.version}"`).send(presentRow(request, ticket));
}

/** Tickets, their threads, and the moves of their life; every route is one domain call. */
export async function ticketRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Body: CreateTicketInput }>(
    '/api/v1/tickets',
    { schema: { tags, summary: 'Open a ticket (optional Idempotency-Key header)', body: createTicketBody, response: { 201: ticketShape } } },
    async (request, reply) => idempotent(request, reply, 201, (desk) => createTicket(desk, request.body)),
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/tickets',
    {
      schema: {
        tags,
        summary: 'The queue (newest first unless sort/order say otherwise), filtered, by cursor',
        querystring: listTicketsQuery,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: ticketShape }, nextCursor: { type: ['string', 'null'] } } } },
      },
    },
    async (request) => {
      const { status, ...query } = request.query;
      const page = await listTickets(deskOf(request), { ...query, ...(status ? { state: status } : {}) });
      return { items: page.items.map((t) => presentRow(request, t)), nextCursor: page.nextCursor };
    },
  );

  app.get<Id>('/api/v1/tickets/:id', { schema: { tags, params: idParams, response: { 200: ticketShape } } }, async (request, reply) =>
    sendTicket(request, reply, await getTicket(deskOf(request), request.params.id)),
  );

  app.patch<Id & { Body: UpdateTicketInput & { version?: number } }>(
    '/api/v1/tickets/:id',
    { schema: { tags, summary: 'Update a ticket based on its version (If-Match or "version"); stale is 409', params: idParams, body: updateTicketBody, response: { 200: ticketShape } } },
    async (request, reply) => {
      const { version, ...changes } = request.body;
      const updated = await updateTicket(deskOf(request), request.params.id, changes, expectedVersion(request, version));
      return sendTicket(request, reply, updated);
    },
  );

  app.post<{ Params: { id: string; macroId: string }; Body: { version?: number } }>(
    '/api/v1/tickets/:id/macros/:macroId',
    {
      schema: {
        tags,
        summary: 'Apply a macro (reply, status, priority, assignee in one transaction), based on the ticket version (If-Match or "version")',
        params: macroParams,
        body: versionBody,
        response: { 200: ticketShape },
      },
    },
    async (request, reply) => sendTicket(request, reply, await applyMacro(deskOf(request), request.params.id, request.params.macroId, expectedVersion(request, request.body?.version))),
  );

  for (const [path, kind] of [['replies', 'reply'], ['notes', 'note']] as [string, EntryKind][]) {
    app.post<Id & { Body: { body: string; seenEntryId?: string } }>(
      `/api/v1/tickets/:id/${path}`,
      {
        schema: {
          tags,
          summary: `${kind === 'note' ? 'Add an internal note (agents only)' : 'Add a public reply'} (optional Idempotency-Key header)`,
          params: idParams,
          body: entryBody,
          response: { 201: threadEntryShape },
        },
      },
      async (request, reply) => idempotent(request, reply, 201, (desk) => addThreadEntry(desk, request.params.id, { kind, ...request.body })),
    );
  }

  app.get<Id>(
    '/api/v1/tickets/:id/thread',
    { schema: { tags, summary: 'Replies, notes (agents only) and system events, oldest first', params: idParams, response: { 200: { type: 'object', properties: { entries: { type: 'array', items: threadEntryShape } } } } } },
    async (request) => ({ entries: (await listThread(deskOf(request), request.params.id)).map((e) => presentRow(request, e)) }),
  );

  app.post<Id & { Body: { version?: number } }>(
    '/api/v1/tickets/:id/close',
    { schema: { tags, params: idParams, body: versionBody, response: { 200: ticketShape } } },
    async (request, reply) => sendTicket(request, reply, await closeTicket(deskOf(request), request.params.id, expectedVersion(request, request.body?.version))),
  );

  app.post<Id & { Body: { version?: number } }>(
    '/api/v1/tickets/:id/reopen',
    { schema: { tags, params: idParams, body: versionBody, response: { 200: ticketShape } } },
    async (request, reply) => sendTicket(request, reply, await reopenTicket(deskOf(request), request.params.id, expectedVersion(request, request.body?.version))),
  );

  app.post<Id & { Body: { targetId: string; version?: number } }>(
    '/api/v1/tickets/:id/merge',
    { schema: { tags, summary: 'Merge this ticket into another of the same tenant', params: idParams, body: mergeBody, response: { 200: ticketShape } } },
    async (request, reply) => {
      const merged = await mergeTicket(deskOf(request), request.params.id, request.body.targetId, expectedVersion(request, request.body.version));
      return sendTicket(request, reply, merged);
    },
  );

  app.post<Id & { Body: { ticketId: string; kind?: LinkKind } }>(
    '/api/v1/tickets/:id/links',
    { schema: { tags, summary: 'Link this ticket to another of the same tenant', params: idParams, body: linkBody, response: { 201: linkShape } } },
    async (request, reply) => reply.status(201).send(presentRow(request, await linkTickets(deskOf(request), request.params.id, request.body.ticketId, request.body.kind))),
  );

  app.get<Id>(
    '/api/v1/tickets/:id/links',
    { schema: { tags, params: idParams, response: { 200: { type: 'object', properties: { links: { type: 'array', items: linkShape } } } } } },
    async (request) => ({ links: (await listLinks(deskOf(request), request.params.id)).map((l) => presentRow(request, l)) }),
  );
}
