import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { hasPermission, worksAsAgent } from '../../identity/permissions.ts';
import { createObject, deleteObject, findObject, inTransaction, listObjects, tenantOfNew, updateObject, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { sanitizeBody } from '../sanitize.ts';
import { parseCustomFieldDefinitions } from '../tickets/custom-fields.ts';
import { parseFilterRules } from '../tickets/ticket-filters.ts';
import { priorityTargetsSchema } from '../../sla/sla-plan.ts';
import { isTimeZone } from '../../sla/zoned-time.ts';

/**
 * The desk's configuration objects (departments, teams, help topics, SLA plans, canned responses,
 * ticket filters, statuses, categories, locations): read by the desk's users, written by
 * administrators, every write through the data-access layer's rules and into the audit log.
 */
export type ConfigType = 'department' | 'team' | 'teamMember' | 'helpTopic' | 'slaPlan' | 'cannedResponse' | 'macro' | 'ticketFilter' | 'ticketStatus' | 'category' | 'location';

type ConfigRules = {
  /** Who may read them; by default anyone signed in (a customer picks a help topic). */
  readPermission?: string;
  /** Read by agents alone (identity/permissions.ts `worksAsAgent`): a customer never sees them. */
  agentsOnly?: true;
  /** Checks and normalises values before they are written (JSON columns become JSON text). */
  prepare?: (values: Row) => Row;
};

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/);
const businessHoursSchema = z
  .partialRecord(z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']), z.array(z.tuple([hhmm, hhmm]).refine(([from, to]) => from < to, 'a period ends after it starts')).max(10))
  .nullable();
const holidaysSchema = z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).max(366);

function parsed<T>(schema: z.ZodType<T>, value: unknown, field: string): string {
  const result = schema.safeParse(value);
  if (!result.success) throw new AppError('VALIDATION_FAILED', `${field} is not valid: ${result.error.issues[0]?.message}.`, field);
  return JSON.stringify(result.data);
}

/** Runs `convert` on `column` when the values carry it. */
const convertColumn = (column: string, convert: (value: unknown) => unknown) => (values: Row) =>
  column in values ? { ...values, [column]: convert(values[column]) } : values;

const RULES: Record<ConfigType, ConfigRules> = {
  department: {},
  category: {},
  location: {},
  team: {},
  teamMember: { readPermission: 'ticket.edit' },
  ticketStatus: {},
  helpTopic: { prepare: convertColumn('custom_fields', (v) => JSON.stringify(parseCustomFieldDefinitions(v))) },
  // The agents' own texts: a customer's role grants ticket.reply too, so the right alone is not enough.
  cannedResponse: {
    agentsOnly: true,
    prepare: convertColumn('body_html', (v) => {
      const body = sanitizeBody(String(v));
      if (!body) throw new AppError('VALIDATION_FAILED', 'The response is empty once unsafe HTML is removed.', 'body_html');
      return body;
    }),
  },
  // Agents' one-click actions: as canned responses, never shown to customers.
  macro: {
    agentsOnly: true,
    prepare: convertColumn('body_html', (v) => {
      if (v === null || v === '') return null;
      const body = sanitizeBody(String(v));
      if (!body) throw new AppError('VALIDATION_FAILED', 'The reply is empty once unsafe HTML is removed.', 'body_html');
      return body;
    }),
  },
  ticketFilter: { readPermission: 'ticket.edit', prepare: convertColumn('rules', (v) => JSON.stringify(parseFilterRules(v))) },
  slaPlan: {
    prepare: (values) =>
      [
        convertColumn('business_hours', (v) => parsed(businessHoursSchema, v, 'business_hours')),
        convertColumn('holidays', (v) => parsed(holidaysSchema, v, 'holidays')),
        convertColumn('priority_targets', (v) => parsed(priorityTargetsSchema, v, 'priority_targets')),
        convertColumn('timezone', (v) => {
          if (typeof v !== 'string' || !isTimeZone(v)) throw new AppError('VALIDATION_FAILED', 'timezone must be an IANA time zone such as Europe/Paris.', 'timezone');
          return v;
        }),
      ].reduce((row, convert) => convert(row), values),
  },
};

function requireRead(desk: DeskContext, type: ConfigType): void {
  const { readPermission, agentsOnly } = RULES[type];
  // Without the right, the objects do not exist for this caller (as in another tenant).
  const refused = (readPermission && !hasPermission(desk.actor.activeRole, readPermission)) || (agentsOnly && !worksAsAgent(desk.actor));
  if (refused) throw new AppError('NOT_FOUND', `No ${type} objects here.`);
}

export function requireConfigRead(desk: DeskContext, type: ConfigType): void {
  requireRead(desk, type);
}

const prepare = (type: ConfigType, values: Row): Row => RULES[type].prepare?.(values) ?? values;

/** Configuration changes are audited in the object's tenant; public ones in the service provider's. */
async function audit(desk: DeskContext, type: ConfigType, action: string, row: Row, data: Record<string, unknown>): Promise<void> {
  const tenantId = (row.tenant_id as number | null) ?? desk.catalog.serviceProvider?.id;
  if (tenantId === undefined) return;
  await recordAuditInScope(desk, { tenantId, actorContactId: desk.actor.contactId, action: `${type}.${action}`, objectType: type, objectId: row.id as string, data });
}

export async function listConfigObjects(desk: DeskContext, type: ConfigType, where: Row = {}): Promise<Row[]> {
  requireRead(desk, type);
  return listObjects(desk, type, { where, orderBy: 'id', limit: 500 });
}

export async function getConfigObject(desk: DeskContext, type: ConfigType, id: string): Promise<Row> {
  requireRead(desk, type);
  return findObject(desk, type, id);
}

export async function createConfigObject(desk: DeskContext, type: ConfigType, values: Row): Promise<Row> {
  requireDeskPermission(desk, 'admin.tenant');
  const prepared = prepare(type, values);
  const tenantId = await tenantOfNew(desk, type, prepared);
  return inTransaction(desk, async (tx) => {
    const row = await createObject(tx, type, { ...prepared, tenant_id: tenantId });
    await audit(tx, type, 'created', row, { values });
    return row;
  }, tenantId);
}

export async function updateConfigObject(desk: DeskContext, type: ConfigType, id: string, patch: Row): Promise<Row> {
  requireDeskPermission(desk, 'admin.tenant');
  const current = await findObject(desk, type, id);
  const prepared = prepare(type, patch);
  return inTransaction(desk, async (tx) => {
    const row = await updateObject(tx, type, id, prepared);
    const changes = Object.fromEntries(Object.keys(patch).map((column) => [column, { from: current[column] ?? null, to: row[column] ?? null }]));
    await audit(tx, type, 'updated', row, { changes });
    return row;
  }, current.tenant_id as number | null);
}

export async function deleteConfigObject(desk: DeskContext, type: ConfigType, id: string): Promise<void> {
  requireDeskPermission(desk, 'admin.tenant');
  const current = await findObject(desk, type, id);
  await inTransaction(desk, async (tx) => {
    await deleteObject(tx, type, id);
    await audit(tx, type, 'deleted', current, {});
  }, current.tenant_id as number | null);
}
