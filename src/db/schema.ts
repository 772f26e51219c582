import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** TypeScript shapes of the tables created by `migrations/`. Keep in step with the SQL. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | undefined, string>;

export type AccessKind = 'all' | 'tenant' | 'own' | 'group';
export type GroupKind = 'user' | 'subtenants' | 'supertenants' | 'foreign-key' | 'related';
export type TenantStatus = 'active' | 'suspended' | 'archived';

export type TenantsTable = {
  id: Generated<number>;
  slug: string;
  name: string;
  status: ColumnType<TenantStatus, TenantStatus | undefined, TenantStatus>;
  parent_id: number | null;
  is_service_provider: ColumnType<boolean, boolean | undefined, boolean>;
  subtenants_allowed: ColumnType<boolean, boolean | undefined, boolean>;
  depth: ColumnType<number, number | undefined, number>;
  branding: Json<Record<string, unknown>>;
  terms_of_use: string | null;
  shard: ColumnType<string, string | undefined, string>;
  /** Bumped by a move when it freezes the tenant and when it switches its shard (tenant_fences). */
  placement_epoch: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type TenantHostsTable = { host: string; tenant_id: number; created_at: Timestamp };

export type TenantGroupsTable = {
  id: Generated<number>;
  slug: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  kind: GroupKind;
  owner_tenant_id: number | null;
  created_at: Timestamp;
};

export type TenantGroupMembersTable = { group_id: number; tenant_id: number };
export type ShardsTable = { name: string; kind: 'pool' | 'silo'; location: string; created_at: Timestamp };
export type MovePhase = 'provisioning' | 'copying' | 'frozen' | 'cleaning';
export type TenantMovesTable = { tenant_id: number; from_shard: string; to_shard: string; phase: MovePhase; started_at: Timestamp; updated_at: Timestamp };
export type TenantQuotasTable = {
  tenant_id: number;
  api_rate: number | null;
  api_burst: number | null;
  mail_per_hour: number | null;
  storage_bytes: ColumnType<string | null, number | null | undefined, number | null>;
  updated_at: Timestamp;
};
/** A domain a tenant may send mail from, verified by the service provider (migration 0027). */
export type TenantSenderDomainsTable = { domain: string; tenant_id: number; verified_by: string; created_at: Timestamp };
/** One token bucket per tenant for its API rate, shared by every process (migration 0031). */
export type TenantRateBucketsTable = { tenant_id: number; tokens: number; granted: Generated<number>; refilled_at: Generated<Date> };
/** The epoch at which a shard accepts a tenant's writes (migration 0030). */
export type TenantFencesTable = { tenant_id: number; epoch: number; updated_at: Timestamp };
/** A webhook subscription as every process's snapshot holds it (migration 0062, webhooks/webhook-routes.ts). */
export type WebhookRoutesTable = {
  subscription_id: string;
  tenant_id: number;
  events: string[];
  active: Generated<boolean>;
  tenant_scope: Generated<'tenant' | 'all-readable'>;
  read_access: AccessKind | null;
  read_tenant_id: number | null;
  read_group_id: number | null;
};
export type CatalogStateTable = { singleton: Generated<boolean>; version: number };
/** One row: the database's settings version (migration 0024). */
export type SettingsStateTable = { singleton: Generated<boolean>; version: number };

export type RolesTable = {
  id: Generated<string>;
  tenant_id: number | null;
  slug: string;
  name: string;
  read_access: AccessKind;
  read_tenant_id: number | null;
  read_group_id: number | null;
  write_access: AccessKind;
  write_tenant_id: number | null;
  write_group_id: number | null;
  may_write_public: ColumnType<boolean, boolean | undefined, boolean>;
  permissions: ColumnType<string[], string[] | undefined, string[]>;
  data_partitions: Json<unknown[]>;
  created_at: Timestamp;
};

export type ContactKind = 'agent' | 'customer' | 'staff';

export type ContactsTable = {
  id: Generated<string>;
  tenant_id: number | null;
  kind: ContactKind;
  email: string;
  name: string;
  password_hash: string | null;
  status: ColumnType<'active' | 'disabled', 'active' | 'disabled' | undefined, 'active' | 'disabled'>;
  /** The contact's organization, as an attribute (migration 0056; set by the osTicket import). */
  organization: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
};

export type ContactRolesTable = { id: Generated<string>; tenant_id: number | null; contact_id: string; role_id: string; is_default: ColumnType<boolean, boolean | undefined, boolean> };

export type SessionsTable = {
  id: string;
  tenant_id: number | null;
  contact_id: string;
  active_role_id: string;
  host: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
  sso_connection_id: ColumnType<string | null, string | null | undefined, string | null>;
  sso_id_token: ColumnType<string | null, string | null | undefined, string | null>;
};

export type AuditEventsTable = {
  id: Generated<string>;
  tenant_id: number | null;
  actor_contact_id: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  data: Json<Record<string, unknown>>;
  ip: string | null;
  created_at: Timestamp;
};

export type ApiKeysTable = {
  id: Generated<string>;
  tenant_id: number | null;
  contact_id: string;
  role_id: string;
  name: ColumnType<string, string | undefined, string>;
  prefix: string;
  secret_hash: string;
  allowed_ips: ColumnType<string[], string[] | undefined, string[]>;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
};

export type PasswordResetsTable = {
  id: string;
  tenant_id: number | null;
  contact_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: Timestamp;
};

export type SsoConnectionsTable = {
  tenant_id: number;
  id: Generated<string>;
  name: string;
  issuer: string;
  client_id: string;
  client_secret_enc: string | null;
  scopes: string;
  email_claim: string;
  allowed_domains: string[];
  local_passwords: boolean;
  jit: 'off' | 'customers' | 'customers_and_agents';
  jit_role_id: string | null;
  groups_claim: string;
  role_mapping: ColumnType<{ group: string; roleId: string }[], string, string>;
  active: boolean;
  created_at: Timestamp;
};

export type SsoLoginsTable = { tenant_id: number; id: string; connection_id: string; host: string; nonce: string; code_verifier: string; expires_at: Timestamp; created_at: Generated<Date> };

export type SignInFailuresTable = { id: Generated<number>; tenant_id: number | null; throttle_key: string; failed_at: Timestamp };

export type MailTemplatesTable = {
  tenant_id: number | null;
  id: Generated<string>;
  kind: string;
  subject: string;
  body: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
};

export type MailOutboxTable = {
  id: Generated<string>;
  tenant_id: number | null;
  to_address: string;
  subject: string;
  body_text: string;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  mailbox_id: string | null;
  ticket_id: string | null;
  kind: ColumnType<string, string | undefined, string>;
  message_id: string | null;
  in_reply_to: string | null;
  references_ids: ColumnType<string[], string[] | undefined, string[]>;
  body_html: string | null;
  auto_submitted: ColumnType<boolean, boolean | undefined, boolean>;
  /** Values of the template of `kind`, for rows rendered when sent (migration 0017). */
  template_data: Record<string, unknown> | null;
  last_error: string | null;
};

export type MailboxesTable = {
  tenant_id: number | null;
  id: Generated<string>;
  address: string;
  name: ColumnType<string, string | undefined, string>;
  from_address: string | null;
  help_topic_id: string | null;
  department_id: string | null;
  accept_unknown_senders: ColumnType<boolean, boolean | undefined, boolean>;
  auto_reply: ColumnType<boolean, boolean | undefined, boolean>;
  imap_host: string | null;
  imap_port: number | null;
  imap_tls: ColumnType<boolean, boolean | undefined, boolean>;
  imap_user: string | null;
  imap_password_enc: string | null;
  imap_folder: ColumnType<string, string | undefined, string>;
  imap_move_to: string | null;
  smtp_url_enc: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
};

export type MailOutcome = 'ticket' | 'reply' | 'quarantined' | 'rejected' | 'sent';
export type MailTransport = 'smtp' | 'imap' | 'pipe';

export type MailMessagesTable = {
  tenant_id: number | null;
  id: Generated<string>;
  mailbox_id: string | null;
  direction: 'in' | 'out';
  message_key: string;
  transport: MailTransport | 'outbox';
  imap_uid_validity: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  imap_uid: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  sender: ColumnType<string, string | undefined, string>;
  outcome: MailOutcome;
  ticket_id: string | null;
  thread_entry_id: string | null;
  flagged: ColumnType<boolean, boolean | undefined, boolean>;
  automated: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
};

export type MailQuarantineTable = {
  tenant_id: number | null;
  id: Generated<string>;
  mailbox_id: string | null;
  reason: string;
  transport: MailTransport;
  sender: ColumnType<string, string | undefined, string>;
  subject: ColumnType<string, string | undefined, string>;
  raw: Buffer;
  raw_sha256: string;
  size: number;
  created_at: Timestamp;
  released_at: Timestamp | null;
};

export type PrioritiesTable = { id: Generated<string>; slug: string; name: string; rank: number };
export type CategoriesTable = { id: Generated<string>; tenant_id: number | null; parent_id: string | null; name: string; created_at: Timestamp };
export type LocationsTable = { id: Generated<string>; tenant_id: number | null; name: string; created_at: Timestamp };

export type DepartmentsTable = { id: Generated<string>; tenant_id: number | null; name: string; created_at: Timestamp };
export type ContactDepartmentsTable = { id: Generated<string>; tenant_id: number | null; contact_id: string; department_id: string };
export type TicketCollaboratorsTable = { id: Generated<string>; tenant_id: number | null; ticket_id: string; contact_id: string };

export type SatisfactionRatingsTable = {
  id: Generated<string>;
  tenant_id: number;
  ticket_id: string;
  resolved_at: Timestamp;
  rating: number;
  comment: string | null;
  rated_by: string | null;
  created_at: Generated<Timestamp>;
};

export type TicketPresenceTable = {
  id: Generated<string>;
  tenant_id: number;
  ticket_id: string;
  contact_id: string;
  contact_name: string;
  activity: 'viewing' | 'replying';
  expires_at: Date;
};

export type TicketsTable = {
  id: Generated<string>;
  tenant_id: number | null;
  subject: string;
  status: ColumnType<string, string | undefined, string>;
  requester_id: string | null;
  assignee_id: string | null;
  category_id: string | null;
  location_id: string | null;
  priority_id: string | null;
  department_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  number: string | null;
  type: ColumnType<TicketType, TicketType | undefined, TicketType>;
  status_id: string | null;
  urgency_id: string | null;
  help_topic_id: string | null;
  team_id: string | null;
  sla_plan_id: string | null;
  due_at: Timestamp | null;
  source: ColumnType<TicketSource, TicketSource | undefined, TicketSource>;
  custom_fields: Json<Record<string, unknown>>;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  version: ColumnType<number, number | undefined, number>;
  merged_into_id: string | null;
  closed_at: Timestamp | null;
  first_response_due_at: Timestamp | null;
  resolution_due_at: Timestamp | null;
  first_responded_at: Timestamp | null;
  resolved_at: Timestamp | null;
  sla_paused_at: Timestamp | null;
  sla_paused_minutes: ColumnType<number, number | undefined, number>;
  first_response_breached_at: Timestamp | null;
  resolution_breached_at: Timestamp | null;
};

export type TicketType = 'incident' | 'request' | 'problem' | 'change';
export type TicketSource = 'web' | 'email' | 'api' | 'phone';
export type TicketState = 'open' | 'pending' | 'resolved' | 'closed';
export type ThreadEntryKind = 'reply' | 'note' | 'event';

export type TicketStatusesTable = { id: Generated<string>; tenant_id: number | null; slug: string; name: string; state: TicketState; position: ColumnType<number, number | undefined, number>; created_at: Timestamp };
export type UrgenciesTable = { id: Generated<string>; slug: string; name: string; rank: number };
export type SlaPlansTable = {
  id: Generated<string>;
  tenant_id: number | null;
  name: string;
  first_response_minutes: number | null;
  resolution_minutes: number;
  timezone: ColumnType<string, string | undefined, string>;
  business_hours: Json<Record<string, [string, string][]> | null>;
  holidays: Json<string[]>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  pause_when_pending: ColumnType<boolean, boolean | undefined, boolean>;
  priority_targets: Json<Record<string, { firstResponseMinutes?: number; resolutionMinutes?: number }>>;
  escalate_priority_id: string | null;
  escalate_team_id: string | null;
  escalate_assignee_id: string | null;
  escalate_notify_id: string | null;
};
export type TeamsTable = { id: Generated<string>; tenant_id: number | null; name: string; created_at: Timestamp };
export type TeamMembersTable = { id: Generated<string>; tenant_id: number | null; team_id: string; contact_id: string };
export type HelpTopicsTable = {
  id: Generated<string>;
  tenant_id: number | null;
  name: string;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  department_id: string | null;
  priority_id: string | null;
  sla_plan_id: string | null;
  custom_fields: Json<unknown[]>;
  created_at: Timestamp;
};
export type CannedResponsesTable = { id: Generated<string>; tenant_id: number | null; title: string; body_html: string; created_at: Timestamp };
export type MacrosTable = {
  id: Generated<string>;
  tenant_id: number | null;
  name: string;
  body_html: string | null;
  set_status: string | null;
  set_priority_id: string | null;
  set_assignee_id: string | null;
  assign_to_me: Generated<boolean>;
  created_at: Timestamp;
};
export type TicketFiltersTable = {
  id: Generated<string>;
  tenant_id: number | null;
  name: string;
  position: ColumnType<number, number | undefined, number>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  match: ColumnType<'all' | 'any', 'all' | 'any' | undefined, 'all' | 'any'>;
  rules: Json<unknown[]>;
  reject: ColumnType<boolean, boolean | undefined, boolean>;
  set_department_id: string | null;
  set_priority_id: string | null;
  set_assignee_id: string | null;
  set_team_id: string | null;
  add_tags: ColumnType<string[], string[] | undefined, string[]>;
  stop_processing: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
};
export type TenantCountersTable = { id: Generated<string>; tenant_id: number | null; name: string; last_value: ColumnType<string, number | undefined, number> };
/** A running, unbreached SLA clock of a ticket (migration 0023): written by triggers and the overdue sweep only. */
export type SlaClocksTable = { tenant_id: number; ticket_id: string; clock: 'first-response' | 'resolution'; due_at: Date };
export type ThreadEntriesTable = {
  id: Generated<string>;
  tenant_id: number | null;
  ticket_id: string;
  kind: ThreadEntryKind;
  author_id: string | null;
  body_html: ColumnType<string, string | undefined, string>;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
};
export type AttachmentsTable = {
  id: Generated<string>;
  tenant_id: number | null;
  ticket_id: string;
  entry_id: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  uploaded_by: string | null;
  created_at: Timestamp;
};
export type TicketLinksTable = { id: Generated<string>; tenant_id: number | null; ticket_id: string; linked_ticket_id: string; kind: ColumnType<string, string | undefined, string>; created_at: Timestamp };
export type SavedViewsTable = { id: Generated<string>; tenant_id: number; contact_id: string; name: string; filters: Json<Record<string, string>>; created_at: Timestamp };
export type IdempotencyKeysTable = {
  id: Generated<string>;
  tenant_id: number | null;
  caller_id: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response: ColumnType<unknown, string | null | undefined, string | null>;
  created_at: Timestamp;
  completed_at: Timestamp | null;
};

/** One imported source row (migration 0055): its source, table and id, the object it became, its digest then. */
export type ImportSourcesTable = {
  id: Generated<string>;
  tenant_id: number;
  source: string;
  source_table: string;
  source_id: string;
  target_type: string;
  target_id: string;
  digest: string;
  imported_at: Timestamp;
  updated_at: Timestamp;
};

export type DB = {
  tenants: TenantsTable;
  tenant_hosts: TenantHostsTable;
  tenant_groups: TenantGroupsTable;
  tenant_group_members: TenantGroupMembersTable;
  catalog_state: CatalogStateTable;
  settings_state: SettingsStateTable;
  shards: ShardsTable;
  tenant_moves: TenantMovesTable;
  tenant_fences: TenantFencesTable;
  tenant_quotas: TenantQuotasTable;
  tenant_sender_domains: TenantSenderDomainsTable;
  webhook_routes: WebhookRoutesTable;
  tenant_rate_buckets: TenantRateBucketsTable;
  roles: RolesTable;
  contacts: ContactsTable;
  contact_roles: ContactRolesTable;
  sessions: SessionsTable;
  audit_events: AuditEventsTable;
  api_keys: ApiKeysTable;
  password_resets: PasswordResetsTable;
  sign_in_failures: SignInFailuresTable;
  sso_connections: SsoConnectionsTable;
  sso_logins: SsoLoginsTable;
  mail_outbox: MailOutboxTable;
  mailboxes: MailboxesTable;
  mail_messages: MailMessagesTable;
  mail_quarantine: MailQuarantineTable;
  mail_templates: MailTemplatesTable;
  priorities: PrioritiesTable;
  categories: CategoriesTable;
  locations: LocationsTable;
  tickets: TicketsTable;
  departments: DepartmentsTable;
  contact_departments: ContactDepartmentsTable;
  ticket_collaborators: TicketCollaboratorsTable;
  ticket_presence: TicketPresenceTable;
  satisfaction_ratings: SatisfactionRatingsTable;
  ticket_statuses: TicketStatusesTable;
  urgencies: UrgenciesTable;
  sla_plans: SlaPlansTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  help_topics: HelpTopicsTable;
  canned_responses: CannedResponsesTable;
  macros: MacrosTable;
  ticket_filters: TicketFiltersTable;
  tenant_counters: TenantCountersTable;
  sla_clocks: SlaClocksTable;
  thread_entries: ThreadEntriesTable;
  ticket_links: TicketLinksTable;
  saved_views: SavedViewsTable;
  attachments: AttachmentsTable;
  idempotency_keys: IdempotencyKeysTable;
  import_sources: ImportSourcesTable;
};

export type Tenant = Selectable<TenantsTable>;
export type NewTenant = Insertable<TenantsTable>;
export type TenantUpdate = Updateable<TenantsTable>;
export type Role = Selectable<RolesTable>;
export type Contact = Selectable<ContactsTable>;
export type Ticket = Selectable<TicketsTable>;
export type ThreadEntry = Selectable<ThreadEntriesTable>;
