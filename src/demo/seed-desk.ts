import type { Role } from '../db/schema.ts';
import { createConfigObject } from '../desk/config/config-objects.ts';
import type { DeskContext } from '../desk/desk-context.ts';
import { createTicket } from '../desk/tickets/create-ticket.ts';
import { addThreadEntry } from '../desk/threads/add-thread-entry.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { listObjects, type Row } from '../tenancy/data-access.ts';

/** What the demo desk of one tenant is seeded with. */
const DEPARTMENTS = ['Support', 'Sales'];
const TICKETS = [
  { subject: 'The printer on floor 2 jams', body: '<p>Every second page gets stuck since this morning.</p>', reply: '<p>A technician is on the way.</p>', note: '<p>Probably the fuser again; order a spare.</p>' },
  { subject: 'New laptop for a starter', body: '<p>Anna starts on Monday and needs a laptop.</p>', reply: '<p>It will be ready on Friday.</p>', note: '<p>Take one from the spare pool.</p>' },
];

type DemoPeople = { tenantId: number; agent: Row; customer: Row };

/**
 * The demo desk of a customer tenant: departments, a help topic, and tickets from its customer with
 * an agent's reply and an internal note, all written through the desk's own use cases.
 */
export async function seedDemoDesk(ctx: TenancyContext, people: DemoPeople): Promise<void> {
  const as = async (contact: Row, slug: string): Promise<DeskContext> => {
    const [role] = await listObjects(ctx, 'role', { where: { slug }, orderBy: 'tenant_id', limit: 1 });
    return { ...ctx, actor: { contactId: contact.id as string, kind: contact.kind as 'agent' | 'customer', activeRole: role as Role } };
  };
  const admin = await as(people.agent, 'sp-admin');
  const departments: Row[] = [];
  for (const name of DEPARTMENTS) departments.push(await createConfigObject(admin, 'department', { tenant_id: people.tenantId, name }));
  const [normal] = await listObjects(ctx, 'priority', { where: { slug: 'normal' }, limit: 1 });
  const topic = await createConfigObject(admin, 'helpTopic', {
    tenant_id: people.tenantId,
    name: 'General question',
    department_id: departments[0]!.id,
    priority_id: normal!.id,
  });
  const customer = await as(people.customer, 'customer');
  const agent = await as(people.agent, 'agent');
  for (const t of TICKETS) {
    const ticket = await createTicket(customer, { subject: t.subject, body: t.body, helpTopicId: topic.id as string });
    await addThreadEntry(agent, ticket.id as string, { kind: 'reply', body: t.reply });
    await addThreadEntry(agent, ticket.id as string, { kind: 'note', body: t.note });
  }
}
