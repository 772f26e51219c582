import type { FastifyInstance } from 'fastify';
import { createConfigObject, deleteConfigObject, getConfigObject, listConfigObjects, updateConfigObject, type ConfigType } from '../../desk/config/config-objects.ts';
import { withFieldNames } from '../../errors.ts';
import { objectType } from '../../db/registry.ts';
import type { Row } from '../../tenancy/data-access.ts';
import { deskOf, presentRow } from '../desk-request.ts';
import { idParams, nullableUuid } from './ticket-schemas.ts';

type JsonSchema = Record<string, unknown>;
/** One API field of a configuration object: its column and its schema (request and answer alike). */
type Field = { column: string; schema: JsonSchema };
/** `deletable: false`: objects other tenants may reference (categories, locations) are kept, never deleted (decisions.md). */
type Resource = { path: string; type: ConfigType; fields: Record<string, Field>; required: string[]; deletable?: false };

const text = (maxLength = 200): JsonSchema => ({ type: 'string', minLength: 1, maxLength });
const minutes: JsonSchema = { type: 'integer', minimum: 1, maximum: 525_600 };
const bool: JsonSchema = { type: 'boolean' };
const ref: JsonSchema = nullableUuid;

/** The configuration resources, each with an explicit schema. */
const RESOURCES: Resource[] = [
  { path: 'departments', type: 'department', fields: { name: { column: 'name', schema: text() } }, required: ['name'] },
  { path: 'teams', type: 'team', fields: { name: { column: 'name', schema: text() } }, required: ['name'] },
  {
    path: 'team-members',
    type: 'teamMember',
    fields: { teamId: { column: 'team_id', schema: ref }, contactId: { column: 'contact_id', schema: ref } },
    required: ['teamId', 'contactId'],
  },
  {
    path: 'help-topics',
    type: 'helpTopic',
    fields: {
      name: { column: 'name', schema: text() },
      active: { column: 'active', schema: bool },
      departmentId: { column: 'department_id', schema: ref },
      priorityId: { column: 'priority_id', schema: ref },
      slaPlanId: { column: 'sla_plan_id', schema: ref },
      customFields: { column: 'custom_fields', schema: { type: 'array', maxItems: 50, items: { type: 'object', additionalProperties: true } } },
    },
    required: ['name'],
  },
  {
    path: 'sla-plans',
    type: 'slaPlan',
    fields: {
      name: { column: 'name', schema: text() },
      firstResponseMinutes: { column: 'first_response_minutes', schema: { ...minutes, type: ['integer', 'null'] } },
      resolutionMinutes: { column: 'resolution_minutes', schema: minutes },
      timezone: { column: 'timezone', schema: text(64) },
      businessHours: { column: 'business_hours', schema: { type: ['object', 'null'], additionalProperties: true } },
      holidays: { column: 'holidays', schema: { type: 'array', items: { type: 'string' }, maxItems: 366 } },
      active: { column: 'active', schema: bool },
      pauseWhenPending: { column: 'pause_when_pending', schema: bool },
      priorityTargets: { column: 'priority_targets', schema: { type: 'object', additionalProperties: { type: 'object', additionalProperties: true }, maxProperties: 20 } },
      escalatePriorityId: { column: 'escalate_priority_id', schema: ref },
      escalateTeamId: { column: 'escalate_team_id', schema: ref },
      escalateAssigneeId: { column: 'escalate_assignee_id', schema: ref },
      escalateNotifyId: { column: 'escalate_notify_id', schema: ref },
    },
    required: ['name', 'resolutionMinutes'],
  },
  {
    path: 'canned-responses',
    type: 'cannedResponse',
    fields: { title: { column: 'title', schema: text() }, bodyHtml: { column: 'body_html', schema: text(100_000) } },
    required: ['title', 'bodyHtml'],
  },
  {
    path: 'macros',
    type: 'macro',
    fields: {
      name: { column: 'name', schema: text() },
      bodyHtml: { column: 'body_html', schema: { type: ['string', 'null'], maxLength: 100_000 } },
      setStatus: { column: 'set_status', schema: { type: ['string', 'null'], pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
      setPriorityId: { column: 'set_priority_id', schema: ref },
      setAssigneeId: { column: 'set_assignee_id', schema: ref },
      assignToMe: { column: 'assign_to_me', schema: bool },
    },
    required: ['name'],
  },
  {
    path: 'ticket-filters',
    type: 'ticketFilter',
    fields: {
      name: { column: 'name', schema: text() },
      position: { column: 'position', schema: { type: 'integer', minimum: 0, maximum: 100_000 } },
      active: { column: 'active', schema: bool },
      match: { column: 'match', schema: { type: 'string', enum: ['all', 'any'] } },
      rules: { column: 'rules', schema: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'object', additionalProperties: true } } },
      reject: { column: 'reject', schema: bool },
      setDepartmentId: { column: 'set_department_id', schema: ref },
      setPriorityId: { column: 'set_priority_id', schema: ref },
      setAssigneeId: { column: 'set_assignee_id', schema: ref },
      setTeamId: { column: 'set_team_id', schema: ref },
      addTags: { column: 'add_tags', schema: { type: 'array', items: text(50), maxItems: 50 } },
      stopProcessing: { column: 'stop_processing', schema: bool },
    },
    required: ['name', 'rules'],
  },
  {
    path: 'ticket-statuses',
    type: 'ticketStatus',
    fields: {
      slug: { column: 'slug', schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' } },
      name: { column: 'name', schema: text(100) },
      state: { column: 'state', schema: { type: 'string', enum: ['open', 'pending', 'resolved', 'closed'] } },
      position: { column: 'position', schema: { type: 'integer', minimum: 0, maximum: 100_000 } },
    },
    required: ['slug', 'name', 'state'],
  },
  {
    path: 'categories',
    type: 'category',
    fields: { name: { column: 'name', schema: text() }, parentId: { column: 'parent_id', schema: ref } },
    required: ['name'],
    deletable: false,
  },
  { path: 'locations', type: 'location', fields: { name: { column: 'name', schema: text() } }, required: ['name'], deletable: false },
];

/** A field as answered: its type, or null (limits are for requests). */
function answerSchema(s: JsonSchema): JsonSchema {
  const types = [s.type ?? 'object', 'null'].flat().filter((t, i, all) => all.indexOf(t) === i);
  return { type: types, ...(s.items ? { items: answerSchema(s.items as JsonSchema) } : {}), ...(types.includes('object') ? { additionalProperties: true } : {}) };
}

function schemasOf(resource: Resource) {
  const optional = objectType(resource.type).class === 'tenant-optional';
  // A tenant-optional object with "tenantId": null is public (service-provider administrators only).
  const tenantId = { type: optional ? ['integer', 'null'] : 'integer' };
  const properties = Object.fromEntries(Object.entries(resource.fields).map(([name, f]) => [name, f.schema]));
  const shape = {
    type: 'object',
    properties: {
      id: { type: 'string' },
      tenantId: { type: ['integer', 'null'] },
      tenant: { type: ['string', 'null'] },
      ...Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, answerSchema(s)])),
      createdAt: { type: 'string', format: 'date-time' },
    },
  };
  return {
    create: { type: 'object', properties: { tenantId, ...properties }, required: resource.required, additionalProperties: false },
    update: { type: 'object', properties, additionalProperties: false, minProperties: 1 },
    shape,
  };
}

/** API names to columns, and back for errors. */
function codec(resource: Resource) {
  const toColumn = new Map<string, string>([['tenantId', 'tenant_id'], ...Object.entries(resource.fields).map(([name, f]): [string, string] => [name, f.column])]);
  const fieldOfColumn = new Map([...toColumn].map(([name, column]): [string, string] => [column, name]));
  const columns = (body: Record<string, unknown>): Row => Object.fromEntries(Object.entries(body).map(([name, value]) => [toColumn.get(name)!, value]));
  return { columns, renamed: <T>(work: () => Promise<T>) => withFieldNames(fieldOfColumn, work) };
}

/** List, create, read, update and delete for each configuration resource, under /api/v1/<path>. */
export async function deskConfigRoutes(app: FastifyInstance): Promise<void> {
  for (const resource of RESOURCES) {
    const { create, update, shape } = schemasOf(resource);
    const { columns, renamed } = codec(resource);
    const base = `/api/v1/${resource.path}`;
    const tags = ['desk configuration'];
    type Id = { Params: { id: string } };

    app.get(base, { schema: { tags, response: { 200: { type: 'object', properties: { items: { type: 'array', items: shape } } } } } }, async (request) => ({
      items: (await listConfigObjects(deskOf(request), resource.type)).map((r) => presentRow(request, r)),
    }));
    app.post<{ Body: Record<string, unknown> }>(base, { schema: { tags, body: create, response: { 201: shape } } }, async (request, reply) =>
      reply.status(201).send(presentRow(request, await renamed(() => createConfigObject(deskOf(request), resource.type, columns(request.body))))),
    );
    app.get<Id>(`${base}/:id`, { schema: { tags, params: idParams, response: { 200: shape } } }, async (request) =>
      presentRow(request, await getConfigObject(deskOf(request), resource.type, request.params.id)),
    );
    app.patch<Id & { Body: Record<string, unknown> }>(`${base}/:id`, { schema: { tags, params: idParams, body: update, response: { 200: shape } } }, async (request) =>
      presentRow(request, await renamed(() => updateConfigObject(deskOf(request), resource.type, request.params.id, columns(request.body)))),
    );
    if (resource.deletable === false) continue;
    app.delete<Id>(`${base}/:id`, { schema: { tags, params: idParams } }, async (request, reply) => {
      await deleteConfigObject(deskOf(request), resource.type, request.params.id);
      return reply.status(204).send();
    });
  }
}
