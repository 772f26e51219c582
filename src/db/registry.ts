/**
 * The object registry: every table of TenantDesk, declared once with its object class and its
 * references. Row-level security (rls.ts) and the scoped data-access layer (tenancy/data-access.ts)
 * are both generated from it, so a table cannot be added without deciding how tenancy applies to it.
 */
export type ObjectClass =
  /** No tenant attribute: every row is public (priority, urgency). */
  | 'public'
  /** Tenant can never be null (tickets, contacts, thread entries). */
  | 'tenant-required'
  /** A null tenant is a public row; a tenant sees public rows merged with its own (category). */
  | 'tenant-optional'
  /** Catalog tables: written only by the service provider's administration, never by scoped code. */
  | 'catalog';

export type Reference = {
  /** The column holding the referenced id. */
  readonly column: string;
  readonly target: string;
  /** May also point to objects of the service-provider tenant (a ticket's assignee). */
  readonly spEligible?: boolean;
  /** The target's tenant becomes the object's tenant when none is given (a ticket's requester). */
  readonly impliesTenant?: boolean;
  /**
   * The target is the object's owner and must be of the very same tenant (a ticket's
   * collaborator rows, a contact's sessions): both rows then always live in one database, so the
   * reference is also a foreign key. Every other reference may cross tenants, hence databases.
   */
  readonly sameTenant?: boolean;
};

export type ObjectType = {
  readonly name: string;
  readonly table: string;
  readonly class: ObjectClass;
  /** The column naming the owning tenant (catalog tables: the tenant row itself is `id`). */
  readonly tenantColumn?: string;
  /** A human label column, for choice lists. */
  readonly labelColumn?: string;
  /** The column choices of this type follow (a rank), where the labels' alphabetical order means nothing (Low, Normal, High, Urgent). */
  readonly choiceOrder?: string;
  readonly references: readonly Reference[];
  /**
   * Short-lived or derived rows (sign-in throttling, the SLA sweep's work list) that moving or
   * exporting a tenant leaves behind rather than copies; deleting the tenant deletes them.
   */
  readonly transient?: boolean;
  /**
   * The columns identifying a row of a table without an `id` (rows derived by triggers, which the
   * data-access layer never addresses one by one); every other type has an `id`.
   */
  readonly key?: readonly string[];
  /**
   * Rows with no tenant belong to the installation itself (installation jobs), not to a tenant that
   * was forgotten: the start-up report of untenanted rows leaves them out.
   */
  readonly installationRows?: boolean;
  /**
   * Settings every ticket or message reads and administrators seldom write: a change to the table
   * bumps its database's settings version (migration 0024), so reads of it are kept in memory
   * under that version (tenancy/settings-cache.ts).
   */
  readonly settings?: boolean;
  /**
   * Listed in creation order by (created_at, id): new rows get time-ordered ids (db/ordered-id.ts),
   * so rows of one millisecond keep their order on PGlite, whose clock has no finer resolution.
   */
  readonly orderedIds?: boolean;
};

const types = {
  tenant: { name: 'tenant', table: 'tenants', class: 'catalog', tenantColumn: 'id', labelColumn: 'name', references: [] },
  tenantHost: { name: 'tenantHost', table: 'tenant_hosts', class: 'catalog', tenantColumn: 'tenant_id', references: [] },
  tenantGroup: { name: 'tenantGroup', table: 'tenant_groups', class: 'catalog', references: [] },
  tenantGroupMember: { name: 'tenantGroupMember', table: 'tenant_group_members', class: 'catalog', references: [] },
  catalogState: { name: 'catalogState', table: 'catalog_state', class: 'catalog', references: [] },
  settingsState: { name: 'settingsState', table: 'settings_state', class: 'catalog', references: [] },
  shard: { name: 'shard', table: 'shards', class: 'catalog', references: [] },
  tenantMove: { name: 'tenantMove', table: 'tenant_moves', class: 'catalog', tenantColumn: 'tenant_id', references: [] },
  tenantQuota: { name: 'tenantQuota', table: 'tenant_quotas', class: 'catalog', tenantColumn: 'tenant_id', references: [] },
  tenantSenderDomain: { name: 'tenantSenderDomain', table: 'tenant_sender_domains', class: 'catalog', tenantColumn: 'tenant_id', references: [] },
  // Which subscriptions a change may have to feed, held in every process's snapshot (migration 0062).
  webhookRoute: { name: 'webhookRoute', table: 'webhook_routes', class: 'catalog', tenantColumn: 'tenant_id', references: [] },
  // Installation-wide API rate buckets (migration 0031): derived state, left behind by moves and exports.
  tenantRateBucket: { name: 'tenantRateBucket', table: 'tenant_rate_buckets', class: 'catalog', tenantColumn: 'tenant_id', references: [], transient: true },
  // In every shard, not the catalog's alone: the epoch at which that database takes a tenant's writes.
  tenantFence: { name: 'tenantFence', table: 'tenant_fences', class: 'catalog', tenantColumn: 'tenant_id', references: [] },
  role: { name: 'role', table: 'roles', class: 'tenant-optional', tenantColumn: 'tenant_id', labelColumn: 'name', references: [], settings: true },
  contact: { name: 'contact', table: 'contacts', class: 'tenant-required', tenantColumn: 'tenant_id', labelColumn: 'name', references: [] },
  contactRole: {
    name: 'contactRole',
    table: 'contact_roles',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'contact_id', target: 'contact', impliesTenant: true, sameTenant: true },
      { column: 'role_id', target: 'role' },
    ],
  },
  session: {
    name: 'session',
    table: 'sessions',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'contact_id', target: 'contact', impliesTenant: true, sameTenant: true },
      { column: 'active_role_id', target: 'role' },
    ],
  },
  auditEvent: {
    name: 'auditEvent',
    table: 'audit_events',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [{ column: 'actor_contact_id', target: 'contact', spEligible: true }],
  },
  apiKey: {
    name: 'apiKey',
    table: 'api_keys',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    references: [
      { column: 'contact_id', target: 'contact', impliesTenant: true, sameTenant: true },
      { column: 'role_id', target: 'role' },
    ],
  },
  passwordReset: {
    name: 'passwordReset',
    table: 'password_resets',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [{ column: 'contact_id', target: 'contact', impliesTenant: true, sameTenant: true }],
  },
  ssoConnection: {
    name: 'ssoConnection',
    table: 'sso_connections',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    references: [{ column: 'jit_role_id', target: 'role' }],
  },
  ssoLogin: {
    name: 'ssoLogin',
    table: 'sso_logins',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [{ column: 'connection_id', target: 'ssoConnection', sameTenant: true }],
    transient: true,
  },
  webhookSubscription: {
    name: 'webhookSubscription',
    table: 'webhook_subscriptions',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'url',
    references: [],
  },
  webhookDelivery: {
    name: 'webhookDelivery',
    table: 'webhook_deliveries',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [{ column: 'subscription_id', target: 'webhookSubscription', sameTenant: true }],
    orderedIds: true,
  },
  signInFailure: { name: 'signInFailure', table: 'sign_in_failures', class: 'tenant-required', tenantColumn: 'tenant_id', references: [], transient: true },
  mailOutbox: {
    name: 'mailOutbox',
    table: 'mail_outbox',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'mailbox_id', target: 'mailbox', sameTenant: true },
      { column: 'ticket_id', target: 'ticket', sameTenant: true },
    ],
  },
  mailbox: {
    name: 'mailbox',
    table: 'mailboxes',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'address',
    references: [
      { column: 'help_topic_id', target: 'helpTopic' },
      { column: 'department_id', target: 'department' },
    ],
    settings: true,
  },
  mailMessage: {
    name: 'mailMessage',
    table: 'mail_messages',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'mailbox_id', target: 'mailbox', sameTenant: true },
      { column: 'ticket_id', target: 'ticket', sameTenant: true },
    ],
  },
  mailQuarantine: {
    name: 'mailQuarantine',
    table: 'mail_quarantine',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'subject',
    references: [{ column: 'mailbox_id', target: 'mailbox', sameTenant: true }],
  },
  mailTemplate: { name: 'mailTemplate', table: 'mail_templates', class: 'tenant-optional', tenantColumn: 'tenant_id', labelColumn: 'kind', references: [], settings: true },
  job: { name: 'job', table: 'jobs', class: 'tenant-required', tenantColumn: 'tenant_id', labelColumn: 'name', references: [], installationRows: true },
  jobSchedule: { name: 'jobSchedule', table: 'job_schedules', class: 'catalog', references: [] },
  priority: { name: 'priority', table: 'priorities', class: 'public', labelColumn: 'name', choiceOrder: 'rank', references: [] },
  category: {
    name: 'category',
    table: 'categories',
    class: 'tenant-optional',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    references: [{ column: 'parent_id', target: 'category' }],
  },
  location: { name: 'location', table: 'locations', class: 'tenant-optional', tenantColumn: 'tenant_id', labelColumn: 'name', references: [] },
  department: { name: 'department', table: 'departments', class: 'tenant-required', tenantColumn: 'tenant_id', labelColumn: 'name', references: [] },
  contactDepartment: {
    name: 'contactDepartment',
    table: 'contact_departments',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'contact_id', target: 'contact', impliesTenant: true, sameTenant: true },
      { column: 'department_id', target: 'department' },
    ],
  },
  ticketCollaborator: {
    name: 'ticketCollaborator',
    table: 'ticket_collaborators',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'ticket_id', target: 'ticket', impliesTenant: true, sameTenant: true },
      { column: 'contact_id', target: 'contact' },
    ],
  },
  satisfactionRating: {
    name: 'satisfactionRating',
    table: 'satisfaction_ratings',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'ticket_id', target: 'ticket', impliesTenant: true },
      { column: 'rated_by', target: 'contact' },
    ],
  },
  ticketPresence: {
    name: 'ticketPresence',
    table: 'ticket_presence',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    transient: true,
    references: [
      { column: 'ticket_id', target: 'ticket', impliesTenant: true },
      // The service provider's staff work on tenants' tickets too.
      { column: 'contact_id', target: 'contact', spEligible: true },
    ],
  },
  ticket: {
    name: 'ticket',
    table: 'tickets',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'subject',
    references: [
      { column: 'requester_id', target: 'contact', impliesTenant: true },
      { column: 'assignee_id', target: 'contact', spEligible: true },
      { column: 'category_id', target: 'category' },
      { column: 'location_id', target: 'location' },
      { column: 'priority_id', target: 'priority' },
      { column: 'department_id', target: 'department' },
      { column: 'status_id', target: 'ticketStatus' },
      { column: 'urgency_id', target: 'urgency' },
      { column: 'help_topic_id', target: 'helpTopic' },
      { column: 'team_id', target: 'team', spEligible: true },
      { column: 'sla_plan_id', target: 'slaPlan' },
      { column: 'merged_into_id', target: 'ticket', sameTenant: true },
    ],
  },
  ticketStatus: { name: 'ticketStatus', table: 'ticket_statuses', class: 'tenant-optional', tenantColumn: 'tenant_id', labelColumn: 'name', references: [], settings: true },
  urgency: { name: 'urgency', table: 'urgencies', class: 'public', labelColumn: 'name', choiceOrder: 'rank', references: [] },
  slaPlan: {
    name: 'slaPlan',
    table: 'sla_plans',
    class: 'tenant-optional',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    // Escalation targets: a ticket of the plan is reassigned to them, so the same rules as a ticket's.
    references: [
      { column: 'escalate_priority_id', target: 'priority' },
      { column: 'escalate_team_id', target: 'team', spEligible: true },
      { column: 'escalate_assignee_id', target: 'contact', spEligible: true },
      { column: 'escalate_notify_id', target: 'contact', spEligible: true },
    ],
  },
  team: { name: 'team', table: 'teams', class: 'tenant-required', tenantColumn: 'tenant_id', labelColumn: 'name', references: [] },
  teamMember: {
    name: 'teamMember',
    table: 'team_members',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'team_id', target: 'team', impliesTenant: true, sameTenant: true },
      // The service provider's agents may work in a tenant's team.
      { column: 'contact_id', target: 'contact', spEligible: true },
    ],
  },
  helpTopic: {
    name: 'helpTopic',
    table: 'help_topics',
    class: 'tenant-optional',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    references: [
      { column: 'department_id', target: 'department' },
      { column: 'priority_id', target: 'priority' },
      { column: 'sla_plan_id', target: 'slaPlan' },
    ],
  },
  macro: {
    name: 'macro',
    table: 'macros',
    class: 'tenant-optional',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    references: [
      { column: 'set_priority_id', target: 'priority' },
      { column: 'set_assignee_id', target: 'contact', spEligible: true },
    ],
  },
  cannedResponse: { name: 'cannedResponse', table: 'canned_responses', class: 'tenant-optional', tenantColumn: 'tenant_id', labelColumn: 'title', references: [] },
  ticketFilter: {
    name: 'ticketFilter',
    table: 'ticket_filters',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    references: [
      { column: 'set_department_id', target: 'department' },
      { column: 'set_priority_id', target: 'priority' },
      { column: 'set_assignee_id', target: 'contact', spEligible: true },
      { column: 'set_team_id', target: 'team', spEligible: true },
    ],
    settings: true,
  },
  tenantCounter: { name: 'tenantCounter', table: 'tenant_counters', class: 'tenant-required', tenantColumn: 'tenant_id', references: [] },
  // Derived from the tickets by triggers (migration 0023): a copied ticket gets its clocks in the
  // database it is written to, so a move or an export leaves these rows behind.
  slaClock: {
    name: 'slaClock',
    table: 'sla_clocks',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [{ column: 'ticket_id', target: 'ticket', sameTenant: true }],
    transient: true,
    key: ['tenant_id', 'ticket_id', 'clock'],
  },
  threadEntry: {
    name: 'threadEntry',
    table: 'thread_entries',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'ticket_id', target: 'ticket', impliesTenant: true, sameTenant: true },
      { column: 'author_id', target: 'contact', spEligible: true },
    ],
    orderedIds: true,
  },
  attachment: {
    name: 'attachment',
    table: 'attachments',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'filename',
    references: [
      { column: 'ticket_id', target: 'ticket', impliesTenant: true, sameTenant: true },
      { column: 'entry_id', target: 'threadEntry', sameTenant: true },
      { column: 'uploaded_by', target: 'contact', spEligible: true },
    ],
  },
  ticketLink: {
    name: 'ticketLink',
    table: 'ticket_links',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'ticket_id', target: 'ticket', impliesTenant: true, sameTenant: true },
      { column: 'linked_ticket_id', target: 'ticket', sameTenant: true },
    ],
  },
  // The ledger of imports (migration 0055): which source row became which object. `target_id` names
  // rows of several types (target_type), so it is no reference the write rules could check.
  importSource: { name: 'importSource', table: 'import_sources', class: 'tenant-required', tenantColumn: 'tenant_id', references: [] },
  savedView: {
    name: 'savedView',
    table: 'saved_views',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    // An agent's personal queue: its owner's tenant, read by its owner only (desk/views/saved-views.ts).
    references: [{ column: 'contact_id', target: 'contact', impliesTenant: true, sameTenant: true }],
  },
  // The knowledge base (issue 22, migration 0050): the service provider's public articles and
  // categories (no tenant) are read by every tenant beside its own and its parents'.
  kbCategory: {
    name: 'kbCategory',
    table: 'kb_categories',
    class: 'tenant-optional',
    tenantColumn: 'tenant_id',
    labelColumn: 'name',
    choiceOrder: 'position',
    references: [{ column: 'parent_id', target: 'kbCategory' }],
  },
  kbArticle: {
    name: 'kbArticle',
    table: 'kb_articles',
    class: 'tenant-optional',
    tenantColumn: 'tenant_id',
    labelColumn: 'title',
    references: [
      { column: 'category_id', target: 'kbCategory' },
      { column: 'translation_of', target: 'kbArticle' },
      // The service provider's staff write and review tenants' articles too.
      { column: 'author_id', target: 'contact', spEligible: true },
      { column: 'reviewer_id', target: 'contact', spEligible: true },
    ],
  },
  kbArticleVersion: {
    name: 'kbArticleVersion',
    table: 'kb_article_versions',
    class: 'tenant-optional',
    tenantColumn: 'tenant_id',
    references: [
      { column: 'article_id', target: 'kbArticle', impliesTenant: true, sameTenant: true },
      { column: 'edited_by', target: 'contact', spEligible: true },
    ],
  },
  // An article's files (migration 0052): where the article is, read by whoever reads the article.
  kbArticleFile: {
    name: 'kbArticleFile',
    table: 'kb_article_files',
    class: 'tenant-optional',
    tenantColumn: 'tenant_id',
    labelColumn: 'filename',
    references: [
      { column: 'article_id', target: 'kbArticle', impliesTenant: true, sameTenant: true },
      { column: 'uploaded_by', target: 'contact', spEligible: true },
    ],
  },
  kbEvent: {
    name: 'kbEvent',
    table: 'kb_events',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    // The article read may be public or a tenant's above the reader's: the reference rules allow both.
    references: [{ column: 'article_id', target: 'kbArticle' }],
  },
  idempotencyKey: {
    name: 'idempotencyKey',
    table: 'idempotency_keys',
    class: 'tenant-required',
    tenantColumn: 'tenant_id',
    // The tenant written to, not the caller's: an SP agent's keys live with the tickets it creates.
    references: [{ column: 'caller_id', target: 'contact', spEligible: true }],
  },
} as const satisfies Record<string, ObjectType>;

export type ObjectTypeName = keyof typeof types;
export const registry: Readonly<Record<ObjectTypeName, ObjectType>> = types;

export function objectType(name: ObjectTypeName): ObjectType {
  return registry[name];
}

/** Tables whose rows belong to tenants (tenant-required and tenant-optional). */
export function tenantTables(): ObjectType[] {
  return Object.values(registry).filter((t) => t.class === 'tenant-required' || t.class === 'tenant-optional');
}
