/** The shapes of the administration API (roles, mailboxes, branding, the service provider's /api/v1/sp/...). */

export type AdminRole = {
  id: string;
  tenantId: number | null;
  tenant: string | null;
  slug: string;
  name: string;
  /** `all`, `own`, `tenant:<slug>` or `group:<slug>`. */
  read: string;
  write: string;
  mayWritePublic: boolean;
  permissions: string[];
  partitions: Record<string, unknown>[];
};

export type HeldRole = { id: string; slug: string; name: string; tenant: string | null; default: boolean };

export type Mailbox = {
  id: string;
  tenant: string | null;
  address: string;
  name: string;
  acceptUnknownSenders: boolean;
  autoReply: boolean;
  imapHost: string | null;
  smtpRelay: 'own' | 'installation';
  active: boolean;
};

export type BrandingChange = { name?: string; primaryColor?: string | null; logoUrl?: string | null };

export type TenantStatus = 'active' | 'suspended' | 'archived';

export type TenantEntry = {
  id: number;
  slug: string;
  name: string;
  status: TenantStatus;
  parent: string | null;
  depth: number;
  serviceProvider: boolean;
  subtenantsAllowed: boolean;
  shard: string;
  placement: 'pool' | 'silo';
  hosts: string[];
  branding: { primaryColor?: string; logoUrl?: string };
  move: { to: string; phase: string } | null;
};

export type NewTenant = { slug: string; name: string; parent?: string; hosts?: string[]; placement: 'pool' | 'silo'; subtenantsAllowed?: boolean; template?: string };

export type TenantGroup = { slug: string; name: string; kind: 'user' | 'subtenants' | 'supertenants' | 'foreign-key' | 'related'; description: string; members: string[] };

export type TenancyState = {
  state: 'off' | 'setup' | 'on';
  untenanted: 'strict' | 'warn' | 'allow';
  maxDepth: number;
  maxTenants: number | null;
  catalogVersion: number;
  tenantCount: number;
  shards: { name: string; kind: 'pool' | 'silo'; location: string; tenants: string[] }[];
  moves: { tenant: string; from: string; to: string; phase: string; startedAt: string; updatedAt: string }[];
};

export type MailTemplateKind = 'auto-reply' | 'agent-reply' | 'assignment' | 'overdue' | 'overdue-digest' | 'resolved';

/** A tenant's effective template of a kind, with the public default it overrides (or is). */
export type MailTemplate = {
  id: string;
  tenant: string | null;
  kind: MailTemplateKind;
  subject: string;
  body: string;
  isDefault: boolean;
  defaultSubject: string;
  defaultBody: string;
  placeholders: string[];
  updatedAt: string;
};

export type MailPreview = { subject: string; html: string; text: string };

/** A single sign-on connection as administrators see it: never its secret. */
export type SsoConnection = {
  id: string;
  tenant: string | null;
  name: string;
  issuer: string;
  clientId: string;
  clientSecretSet: boolean;
  scopes: string;
  emailClaim: string;
  allowedDomains: string[];
  localPasswords: boolean;
  jit: 'off' | 'customers' | 'customers_and_agents';
  jitRole: string | null;
  groupsClaim: string;
  roleMapping: { group: string; role: string }[];
  active: boolean;
};

/** A webhook subscription; `secret` only in the answer that created or rotated it. */
export type Webhook = { id: string; tenant: string | null; url: string; events: string[]; description: string; active: boolean; disabledReason: string | null; tenantScope?: 'tenant' | 'all-readable'; secret?: string };
export type WebhookDelivery = { id: string; eventId: string; event: string; state: 'pending' | 'retrying' | 'delivered' | 'dead'; attempts: number; lastStatus: number | null; lastError: string | null; createdAt: string };
