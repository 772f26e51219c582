import { sql, type RawBuilder } from 'kysely';
import { registry, type ObjectTypeName } from '../../db/registry.ts';
import { AppError } from '../../errors.ts';
import { hasPermission } from '../../identity/permissions.ts';
import { listChoices } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { assignableFilter } from '../tickets/assignees.ts';

/** Who may ask for a field's choices (any one of `permissions`), and which targets suit the field. */
type LookupPolicy = {
  readonly permissions: readonly string[];
  /** Narrows the choices on the target's columns; a function when the condition depends on the object's tenant. */
  readonly filter?: RawBuilder<boolean> | ((desk: DeskContext, tenantId: number) => Promise<RawBuilder<boolean>>);
};

/** A contact who works tickets: assignees are never customers. */
const workers = sql<boolean>`kind <> 'customer'`;
const ADMIN: LookupPolicy = { permissions: ['admin.tenant'] };
/** A new ticket's basics, which customers set too (create-ticket.ts), and agents edit. */
const TICKET_FORM: LookupPolicy = { permissions: ['ticket.create', 'ticket.edit'] };
const TICKET_EDIT: LookupPolicy = { permissions: ['ticket.edit'] };
const ASSIGN: LookupPolicy = { permissions: ['ticket.assign'] };

/**
 * The reference fields whose choices are offered, and to whom: each form's fields to the right that
 * fills the form (a customer's new ticket, an agent's ticket details, an administrator's
 * configuration). Deny by default: a field not listed here (thread entries, attachments, sessions,
 * audit events) is refused to everyone.
 */
export const LOOKUPS: { readonly [T in ObjectTypeName]?: Readonly<Record<string, LookupPolicy>> } = {
  ticket: {
    help_topic_id: TICKET_FORM,
    department_id: TICKET_FORM,
    category_id: TICKET_FORM,
    location_id: TICKET_FORM,
    priority_id: TICKET_FORM,
    urgency_id: TICKET_FORM,
    requester_id: TICKET_EDIT,
    sla_plan_id: TICKET_EDIT,
    status_id: TICKET_EDIT,
    merged_into_id: TICKET_EDIT,
    // Only contacts whose roles work this tenant's tickets (assignees.ts), as the write checks.
    assignee_id: { ...ASSIGN, filter: assignableFilter },
    team_id: ASSIGN,
  },
  ticketCollaborator: { contact_id: TICKET_EDIT },
  ticketLink: { linked_ticket_id: TICKET_EDIT },
  category: { parent_id: ADMIN },
  helpTopic: { department_id: ADMIN, priority_id: ADMIN, sla_plan_id: ADMIN },
  slaPlan: { escalate_priority_id: ADMIN, escalate_team_id: ADMIN, escalate_assignee_id: { ...ADMIN, filter: workers }, escalate_notify_id: ADMIN },
  ticketFilter: { set_department_id: ADMIN, set_priority_id: ADMIN, set_assignee_id: { ...ADMIN, filter: workers }, set_team_id: ADMIN },
  teamMember: { team_id: ADMIN, contact_id: { ...ADMIN, filter: workers } },
  mailbox: { help_topic_id: ADMIN, department_id: ADMIN },
  contactDepartment: { department_id: ADMIN },
  contactRole: { role_id: ADMIN },
};

export type LookupField = { readonly type: ObjectTypeName; readonly field: string; readonly policy: LookupPolicy };

/**
 * The reference field `type.field` if the active role may ask for its choices: NOT_FOUND for a type
 * or field that does not exist, FORBIDDEN (naming the field) for one this role's forms do not use.
 */
export function lookupField(desk: DeskContext, type: string, field: string): LookupField {
  if (!Object.hasOwn(registry, type)) throw new AppError('NOT_FOUND', `No object type "${type}".`, 'type');
  const name = type as ObjectTypeName;
  if (!registry[name].references.some((r) => r.column === field)) throw new AppError('NOT_FOUND', `A ${type} has no reference field "${field}".`, 'field');
  const policy = Object.hasOwn(LOOKUPS[name] ?? {}, field) ? LOOKUPS[name]![field]! : undefined;
  if (!policy || !policy.permissions.some((p) => hasPermission(desk.actor.activeRole, p))) {
    throw new AppError('FORBIDDEN', `Your active role (${desk.actor.activeRole.slug}) may not list the choices of ${type}.${field}.`, field);
  }
  return { type: name, field, policy };
}

/**
 * The choices of a lookup field for an object of `tenantId`: the targets the reference rules allow
 * that the caller may read (listChoices), narrowed to those that suit the field.
 */
export async function listLookupChoices(desk: DeskContext, lookup: LookupField, tenantId: number): ReturnType<typeof listChoices> {
  const { filter } = lookup.policy;
  if (!filter) return listChoices(desk, lookup.type, lookup.field, tenantId);
  return listChoices(desk, lookup.type, lookup.field, tenantId, { filter: typeof filter === 'function' ? await filter(desk, tenantId) : filter });
}
