import type { FastifyInstance } from 'fastify';
import { addCollaborator, listCollaborators, removeCollaborator } from '../../desk/tickets/ticket-collaborators.ts';
import { deskOf, presentRow } from '../desk-request.ts';
import { idParams, uuid } from './ticket-schemas.ts';

const tags = ['tickets'];

const collaboratorShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    ticketId: { type: 'string' },
    contactId: { type: 'string' },
    name: { type: ['string', 'null'], description: 'null when the caller may not read the contact' },
    email: { type: ['string', 'null'] },
  },
} as const;

const addBody = { type: 'object', properties: { contactId: uuid }, required: ['contactId'], additionalProperties: false } as const;
const memberParams = { type: 'object', properties: { id: uuid, contactId: uuid }, required: ['id', 'contactId'], additionalProperties: false } as const;

/** A ticket's collaborators (CC): list, add, remove; agents only (`ticket.edit`). */
export async function collaboratorRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/v1/tickets/:id/collaborators',
    { schema: { tags, summary: "The ticket's collaborators (CC)", params: idParams, response: { 200: { type: 'object', properties: { items: { type: 'array', items: collaboratorShape } } } } } },
    async (request) => ({ items: (await listCollaborators(deskOf(request), request.params.id)).map((c) => presentRow(request, c)) }),
  );

  app.post<{ Params: { id: string }; Body: { contactId: string } }>(
    '/api/v1/tickets/:id/collaborators',
    { schema: { tags, summary: 'Add a collaborator: a contact of the ticket’s tenant or a tenant above it; twice is 409', params: idParams, body: addBody, response: { 201: collaboratorShape } } },
    async (request, reply) => reply.status(201).send(presentRow(request, await addCollaborator(deskOf(request), request.params.id, request.body.contactId))),
  );

  app.delete<{ Params: { id: string; contactId: string } }>(
    '/api/v1/tickets/:id/collaborators/:contactId',
    { schema: { tags, summary: 'Remove a collaborator', params: memberParams, response: { 204: { type: 'null' } } } },
    async (request, reply) => {
      await removeCollaborator(deskOf(request), request.params.id, request.params.contactId);
      return reply.status(204).send();
    },
  );
}
