/** The shapes the REST API answers with (see GET /api/openapi.json). */

export type TicketState = 'open' | 'pending' | 'resolved' | 'closed';

export type Branding = { primaryColor?: string; logoUrl?: string };

export type TenantInfo = { slug: string; name: string; serviceProvider: boolean; branding?: Branding };

export type Role = { id: string; slug: string; name: string };

export type TenantSet = 'all' | string[];

export type Me = {
  contact: { id: string; email: string; name: string; kind: 'agent' | 'customer' | 'staff' };
  tenant: { slug: string; name: string };
  roles: Role[];
  activeRole: Role & { permissions?: string[] };
  access: { read: TenantSet; write: TenantSet; writePublic: boolean };
};

export type ReadableTenant = { id: number; slug: string; name: string; serviceProvider: boolean; writable: boolean };

export type Ticket = {
  id: string;
  number: string | null;
  tenantId: number | null;
  tenant: string | null;
  type: string;
  subject: string;
  status: TicketState;
  statusId: string | null;
  requesterId: string | null;
  assigneeId: string | null;
  departmentId: string | null;
  priorityId: string | null;
  helpTopicId: string | null;
  dueAt: string | null;
  /** SLA clocks: the resolution due date (a manual `dueAt` wins), the first-response one, breaches. */
  resolutionDueAt?: string | null;
  firstResponseDueAt?: string | null;
  firstRespondedAt?: string | null;
  resolutionBreachedAt?: string | null;
  firstResponseBreachedAt?: string | null;
  slaPausedAt?: string | null;
  mergedIntoId?: string | null;
  version: number;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
};

export type TicketPage = { items: Ticket[]; nextCursor: string | null };

export type ThreadEntry = {
  id: string;
  ticketId: string;
  kind: 'reply' | 'note' | 'event';
  authorId: string | null;
  bodyHtml: string;
  data: Record<string, unknown>;
  createdAt: string;
};

export type Choice = { id: string; label: string; tenant: string | null };

export type Contact = { id: string; tenant: string | null; kind: string; email: string; name: string; status: string; roles?: { slug: string; name: string }[] };

export type TicketStatus = { id: string; slug: string; name: string; state: TicketState; position?: number; tenant: string | null };

/** A desk configuration object (department, team, help topic, SLA plan, canned response, ...). */
export type ConfigItem = { id: string; tenantId: number | null; tenant: string | null; createdAt: string } & Record<string, unknown>;
