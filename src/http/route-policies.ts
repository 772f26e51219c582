/**
 * Who may call each route and what they see: one table, deny by default. A route registered
 * without an entry stops the app from starting (plugins/route-policy.ts), the request hook checks
 * the caller against its entry before the body is even read, and test/http/authorization-matrix
 * walks the OpenAPI document against it. The domain functions keep their own checks (defence in
 * depth): an entry says who may knock, the use case still decides which rows answer.
 *
 * To add a route: add its entry here, keyed `METHOD /path` exactly as the route is registered
 * (Fastify's `:param` syntax); a HEAD route takes its GET's entry.
 */
export type Who =
  /** Anyone, signed in or not: the route does its own checks (sign-in, a ticket number + email). */
  | { readonly anyone: true }
  /** Any contact signed in on this host (session cookie or API key). */
  | { readonly signedIn: true }
  /** A signed-in agent: not a customer, an active role writing internal notes (`worksAsAgent`). */
  | { readonly agent: true }
  /** A signed-in contact whose active role grants `permission` (exactly or through `prefix.*`). */
  | { readonly permission: string; readonly serviceProviderHost?: true };

export type RoutePolicy = {
  readonly who: Who;
  /** What the caller sees, in a sentence: the rows and fields the answer may carry. */
  readonly sees: string;
  /** osTicket's API: the key comes from `X-API-Key` alone, never a session cookie. */
  readonly credential?: 'x-api-key';
  /**
   * A refused caller gets 404, as if the objects did not exist (configuration only agents read),
   * rather than 403: the same answer the domain gives (desk/config/config-objects.ts).
   */
  readonly refuseAsNotFound?: true;
};

const anyone: Who = { anyone: true };
const signedIn: Who = { signedIn: true };
const agent: Who = { agent: true };
const permission = (name: string): Who => ({ permission: name });
const tenantAdmin = permission('admin.tenant');
const installationAdmin: Who = { permission: 'admin.installation', serviceProviderHost: true };

/** The key of a route: `GET /api/v1/tickets/:id`. The built front end's files share one key. */
export const routeKey = (method: string, url: string): string => `${method} ${url}`;
export const FRONT_END_FILE = 'GET <a file of the built front end>';

const docs = (path: string): [string, RoutePolicy] => [`GET ${path}`, { who: anyone, sees: 'The API documentation (Swagger UI and its bundled assets): no data.' }];

/**
 * The desk's configuration resources (routes/desk-config.ts): read by whoever the entry says,
 * written by tenant administrators (`admin.tenant`; public rows only by roles writing public objects).
 */
function configResource(path: string, read: Who, sees: string, options: { deletable?: false; hidden?: true } = {}): [string, RoutePolicy][] {
  const base = `/api/v1/${path}`;
  const reading = { who: read, ...(options.hidden ? { refuseAsNotFound: true as const } : {}) };
  const writes = 'One of them created or changed, in a tenant the role writes (public rows: roles writing public objects).';
  return [
    [`GET ${base}`, { ...reading, sees: `${sees} of the tenants the role reads, and public ones.` }],
    [`GET ${base}/:id`, { ...reading, sees: `One of them; another tenant's is 404.` }],
    [`POST ${base}`, { who: tenantAdmin, sees: writes }],
    [`PATCH ${base}/:id`, { who: tenantAdmin, sees: writes }],
    ...(options.deletable === false ? [] : [[`DELETE ${base}/:id`, { who: tenantAdmin, sees: 'One of them deleted, in a tenant the role writes (204).' }] as [string, RoutePolicy]]),
  ];
}

const ticket = 'a ticket the role reads (tenants and data partitions: a customer, its own requests); another is 404';

export const ROUTE_POLICIES: ReadonlyMap<string, RoutePolicy> = new Map<string, RoutePolicy>([
  // Outside any tenant: probes, the API's description, its docs, the front end.
  ['GET /healthz', { who: anyone, sees: 'That the process answers.' }],
  ['GET /readyz', { who: anyone, sees: 'Database kind, pending migrations, the pool’s quarantine count: no tenant named.' }],
  ['GET /api/openapi.json', { who: anyone, sees: 'The OpenAPI document: routes and schemas, no data.' }],
  docs('/api/docs'),
  docs('/api/docs/'),
  docs('/api/docs/static/index.html'),
  docs('/api/docs/static/swagger-initializer.js'),
  docs('/api/docs/static/*'),
  docs('/api/docs/json'),
  docs('/api/docs/yaml'),
  [FRONT_END_FILE, { who: anyone, sees: 'A file of the built front end (index.html, bundles, icon): the same for everyone.' }],
  ['GET /*', { who: anyone, sees: 'The single-page app’s index.html for its own paths; /api/... is a JSON 404.' }],

  // At a tenant's host, before signing in.
  ['GET /api/v1/tenant', { who: anyone, sees: 'Which help desk this host is: slug, name, branding.' }],
  ['POST /api/v1/auth/login', { who: anyone, sees: 'A session cookie for this host on the right password; the same refusal for any wrong pair.' }],
  ['POST /api/v1/auth/password-reset', { who: anyone, sees: '202 whether or not the address has an account; the link goes by mail.' }],
  ['POST /api/v1/auth/password-reset/confirm', { who: anyone, sees: 'ok with a valid single-use token; nothing else.' }],
  ['GET /api/v1/auth/oidc', { who: anyone, sees: 'The names and ids of this tenant’s active single sign-on connections, and whether passwords still sign in.' }],
  ['GET /api/v1/auth/oidc/:connectionId', { who: anyone, sees: 'A redirect to the identity provider of one of this tenant’s connections; another tenant’s is 404.' }],
  ['GET /api/v1/auth/oidc/callback', { who: anyone, sees: 'A session cookie for this host when the provider’s answer checks out for a sign-in started here; else a redirect to the sign-in page with the reason.' }],
  ['GET /api/v1/satisfaction-links/:token', { who: anyone, sees: 'Number, subject and rating of the one resolved ticket a signed rating link names, of this host’s tenant only; 404 for another tenant’s or a forged link, 410 once expired or reopened.' }],
  ['POST /api/v1/satisfaction-links/:token', { who: anyone, sees: 'The rating of the resolution a signed link names, recorded as its requester’s, once; 409 when rated already.' }],
  ['POST /api/v1/guest/ticket-status', { who: anyone, sees: 'Subject and state of the ticket matching number + requester email of this tenant; 404 for any other pair.' }],

  // The signed-in contact itself.
  ['POST /api/v1/auth/logout', { who: signedIn, sees: 'Its own session ended.' }],
  ['GET /api/v1/me', { who: signedIn, sees: 'Its own contact, roles, active role with permissions, and the tenants it reads and writes.' }],
  ['GET /api/v1/me/tenants', { who: signedIn, sees: 'The tenants the active role reads (id, slug, name, writable).' }],
  ['PUT /api/v1/me/active-role', { who: signedIn, sees: 'One of its own roles made active.' }],
  ['GET /api/v1/me/api-keys', { who: signedIn, sees: 'Its own API keys (prefix, name, dates), never a secret.' }],
  ['POST /api/v1/me/api-keys', { who: signedIn, sees: 'A new key for itself with one of its own roles, shown once.' }],
  ['DELETE /api/v1/me/api-keys/:id', { who: signedIn, sees: 'Its own key revoked; anyone else’s is 404.' }],

  // Reference choices and contacts.
  ['GET /api/v1/lookups/:type/:field', { who: signedIn, sees: 'The choices the reference rules allow for that field, among objects the role reads.' }],
  ['GET /api/v1/contacts', { who: permission('ticket.edit'), sees: 'Contacts of the tenants the role reads (name, email, kind, status, and the roles the caller may read).' }],
  ['GET /api/v1/contacts/:id', { who: signedIn, sees: 'Its own contact; any readable contact with ticket.edit (else 403); another tenant’s is 404.' }],
  ['POST /api/v1/contacts', { who: tenantAdmin, sees: 'A new contact in a tenant the role writes, with roles it may grant.' }],
  ['PATCH /api/v1/contacts/:id', { who: tenantAdmin, sees: 'A contact of a tenant the role writes, changed.' }],
  ['GET /api/v1/contacts/:id/roles', { who: tenantAdmin, sees: 'The roles of a readable contact.' }],
  ['POST /api/v1/contacts/:id/roles', { who: tenantAdmin, sees: 'A role it may grant given to a contact it writes.' }],
  ['GET /api/v1/requesters', { who: permission('ticket.edit'), sees: 'Contacts (name, email, kind) of one tenant the role writes, matching the search: a ticket’s possible requesters.' }],
  ['POST /api/v1/requesters', { who: permission('ticket.edit'), sees: 'The contact with that email in a tenant the role writes, or a new customer of it.' }],
  ['DELETE /api/v1/contacts/:id/roles/:roleId', { who: tenantAdmin, sees: 'A role taken from a contact it writes (never its last).' }],

  // Tickets.
  ['POST /api/v1/tickets', { who: permission('ticket.create'), sees: 'The new ticket; a customer sets only the fields a customer may.' }],
  ['GET /api/v1/tickets', { who: signedIn, sees: 'The queue of tickets the role reads (a customer: its own requests), with search that never matches notes for customers.' }],
  ['GET /api/v1/tickets/:id', { who: signedIn, sees: `The ticket: ${ticket}.` }],
  ['PATCH /api/v1/tickets/:id', { who: signedIn, sees: `The ticket changed, each field by its own right (status, assignment, the rest ticket.edit): ${ticket}.` }],
  ['POST /api/v1/tickets/:id/replies', { who: permission('ticket.reply'), sees: `A public reply on ${ticket}.` }],
  ['POST /api/v1/tickets/:id/notes', { who: agent, sees: `An internal note on ${ticket}.` }],
  ['GET /api/v1/events', { who: signedIn, sees: `Server-sent events naming (ids only) the tickets and thread entries it may read as they change: ${ticket}; notes for agents only, for customers only the entries meant for them.` }],
  ['GET /api/v1/tickets/:id/thread', { who: signedIn, sees: `The thread of ${ticket}; internal notes for agents only.` }],
  ['POST /api/v1/tickets/:id/close', { who: signedIn, sees: `The ticket closed, by the right its status change needs (ticket.status.<from>.closed): ${ticket}.` }],
  ['POST /api/v1/tickets/:id/reopen', { who: signedIn, sees: `The ticket reopened, by the right its status change needs: ${ticket}.` }],
  ['POST /api/v1/tickets/:id/macros/:macroId', { who: agent, sees: `A macro of the ticket’s tenant (or a public one) applied to ${ticket}: its reply and changes in one transaction, each by the right it needs by hand; the ticket as changed.` }],
  ['POST /api/v1/tickets/bulk', { who: agent, sees: `Per ticket: the ticket changed as one by one (each change by its own right, all or nothing), or why not; ${ticket}.` }],
  ['GET /api/v1/saved-views', { who: agent, sees: 'Its own saved views of the queue (name and filters).' }],
  ['POST /api/v1/saved-views', { who: agent, sees: 'A saved view of its own, in its own tenant.' }],
  ['PATCH /api/v1/saved-views/:id', { who: agent, sees: 'One of its own saved views renamed (its filters kept); anyone else’s is 404.' }],
  ['DELETE /api/v1/saved-views/:id', { who: agent, sees: 'One of its own saved views deleted; anyone else’s is 404.' }],
  ['POST /api/v1/tickets/:id/merge', { who: permission('ticket.edit'), sees: 'The ticket merged into another of the same tenant.' }],
  ['POST /api/v1/tickets/:id/links', { who: permission('ticket.edit'), sees: 'A link to another ticket of the same tenant.' }],
  ['GET /api/v1/tickets/:id/links', { who: signedIn, sees: `The links of ${ticket}.` }],
  ['GET /api/v1/tickets/:id/satisfaction', { who: signedIn, sees: `The rating of the current resolution of ${ticket}, and whether the caller (its requester) may rate it.` }],
  ['POST /api/v1/tickets/:id/satisfaction', { who: signedIn, sees: `Its own rating of the resolution of ${ticket}, once per resolution; only the requester.` }],
  ['PUT /api/v1/tickets/:id/presence', { who: agent, sees: `Its own mark (viewing or replying) on ${ticket}, and the names and activity of the others on it now.` }],
  ['DELETE /api/v1/tickets/:id/presence', { who: agent, sees: `Its own mark on ${ticket} removed (204).` }],
  ['GET /api/v1/tickets/:id/collaborators', { who: permission('ticket.edit'), sees: 'The collaborators (CC) of a readable ticket; names only of contacts the role reads.' }],
  ['POST /api/v1/tickets/:id/collaborators', { who: permission('ticket.edit'), sees: 'A contact of the ticket’s tenant or above added as CC.' }],
  ['DELETE /api/v1/tickets/:id/collaborators/:contactId', { who: permission('ticket.edit'), sees: 'A CC removed.' }],
  ['POST /api/v1/tickets/:id/entries/:entryId/attachments', { who: signedIn, sees: 'A file on an entry the caller wrote (or any, with ticket.edit) of a readable ticket.' }],
  ['GET /api/v1/tickets/:id/attachments', { who: signedIn, sees: 'The files of the entries the caller reads (a customer: none on notes).' }],
  ['GET /api/v1/attachments/:id', { who: signedIn, sees: 'A file exactly when its entry and ticket are readable; else 404.' }],

  // The desk's configuration.
  ...configResource('departments', signedIn, 'The departments'),
  ...configResource('teams', signedIn, 'The teams'),
  ...configResource('team-members', permission('ticket.edit'), 'The team memberships', { hidden: true }),
  ...configResource('help-topics', signedIn, 'The help topics'),
  ...configResource('sla-plans', signedIn, 'The SLA plans'),
  ...configResource('canned-responses', agent, 'The canned responses (agents’ texts)', { hidden: true }),
  ...configResource('macros', agent, 'The macros (agents’ one-click actions)', { hidden: true }),
  ...configResource('ticket-filters', permission('ticket.edit'), 'The ticket filters', { hidden: true }),
  ...configResource('ticket-statuses', signedIn, 'The ticket statuses'),
  ...configResource('categories', signedIn, 'The categories', { deletable: false }),
  ...configResource('locations', signedIn, 'The locations', { deletable: false }),

  // Reports and exports (JSON or CSV), the audit log.
  // The knowledge base (routes/kb-public.ts, routes/kb.ts): reads answer anyone, each as its role allows.
  ['GET /api/v1/kb/articles', { who: anyone, sees: 'The articles the caller reads: anonymous, published public ones of this tenant, those above it and public rows; a customer also customers-only ones; an agent its role’s tenants in every state. Never another tenant’s.' }],
  ['GET /api/v1/kb/articles/:id', { who: anyone, sees: 'One such article, by id or slug; another tenant’s, or one not visible to the caller, is 404.' }],
  ['GET /api/v1/kb/search', { who: anyone, sees: 'Id, title, summary and score of the matching articles the caller reads, as GET /api/v1/kb/articles.' }],
  ['GET /api/v1/kb/categories', { who: anyone, sees: 'The categories of this tenant, of the tenants above it, of the role’s tenants, and public ones.' }],
  ['POST /api/v1/kb/articles/:id/feedback', { who: anyone, sees: 'Nothing (204): a vote on an article the caller reads, counted for this tenant.' }],
  ['POST /api/v1/kb/articles/:id/deflection', { who: anyone, sees: 'Nothing (204): a ticket not opened thanks to an article the caller reads, counted for this tenant.' }],
  ['POST /api/v1/kb/articles', { who: permission('kb.write'), sees: 'The article written, in a tenant the role writes (public: roles writing public objects); publishing needs kb.publish.' }],
  ['PATCH /api/v1/kb/articles/:id', { who: permission('kb.write'), sees: 'The article changed, of a tenant the role writes; another tenant’s is 404.' }],
  ['DELETE /api/v1/kb/articles/:id', { who: permission('kb.publish'), sees: 'Nothing (204): an article of a tenant the role writes deleted; another tenant’s is 404.' }],
  ['GET /api/v1/kb/articles/:id/versions', { who: agent, sees: 'The saved versions of an article the agent reads; another tenant’s is 404.' }],
  ['GET /api/v1/kb/articles/:id/diff', { who: agent, sees: 'The changes between two versions of an article the agent reads; another tenant’s is 404.' }],
  ['POST /api/v1/kb/categories', { who: permission('kb.publish'), sees: 'The category written, in a tenant the role writes (public: roles writing public objects).' }],
  ['PATCH /api/v1/kb/categories/:id', { who: permission('kb.publish'), sees: 'The category changed, of a tenant the role writes; another tenant’s is 404.' }],
  ['GET /api/v1/kb/articles/:id/files', { who: anyone, sees: 'The files of an article the caller reads (name, type, size); another tenant’s article, or one not visible to the caller, is 404.' }],
  ['GET /api/v1/kb/files/:id', { who: anyone, sees: 'A file of an article the caller reads, as a download; one of an article it may not read (agents-only for a customer, another tenant’s) is 404.' }],
  ['POST /api/v1/kb/articles/:id/files', { who: permission('kb.write'), sees: 'The file attached, to an article of a tenant the role writes (public: roles writing public objects); counted in the storage quota.' }],
  ['GET /api/v1/reports/kb', { who: permission('report.read'), sees: 'Views, searches, searches with no result, deflections and votes counted in the tenants the role reads (per tenant for roles reading several); the top articles and unanswered searches of those tenants.' }],
  ['GET /api/v1/reports/summary', { who: permission('report.read'), sees: 'Counts and times over the tickets of the tenants the role reads (a tenantId narrows, never widens).' }],
  ['GET /api/v1/reports/daily', { who: permission('report.read'), sees: 'Tickets created and resolved per day, over readable tenants.' }],
  ['GET /api/v1/reports/backlog', { who: permission('report.read'), sees: 'Open work by department, agent or priority, over readable tenants: labels of readable objects only.' }],
  ['GET /api/v1/reports/satisfaction', { who: permission('report.read'), sees: 'Customer satisfaction ratings (count, average, good, bad) per readable tenant and in all; no comment, no ticket.' }],
  ['GET /api/v1/audit', { who: tenantAdmin, sees: 'Audit events of the tenants the role reads.' }],

  // Mail administration.
  ['GET /api/v1/mailboxes', { who: tenantAdmin, sees: 'Mailboxes of readable tenants, never a credential.' }],
  ['POST /api/v1/mailboxes', { who: tenantAdmin, sees: 'A mailbox for a tenant the role writes; credentials stored encrypted, not shown.' }],
  ['DELETE /api/v1/mailboxes/:id', { who: tenantAdmin, sees: 'A mailbox of a writable tenant removed.' }],
  ['GET /api/v1/mail/quarantine', { who: tenantAdmin, sees: 'Quarantined messages of readable tenants: sender, subject, reason, size.' }],
  ['GET /api/v1/mail-templates', { who: tenantAdmin, sees: 'The mail templates of a readable tenant (its own or the public default).' }],
  ['GET /api/v1/mail-templates/:kind', { who: tenantAdmin, sees: 'One template of a readable tenant.' }],
  ['PUT /api/v1/mail-templates/:kind', { who: tenantAdmin, sees: 'A tenant’s template saved (the public default: roles writing public objects).' }],
  ['POST /api/v1/mail-templates/:kind/preview', { who: tenantAdmin, sees: 'The given text rendered with sample values; nothing read or written.' }],
  ['DELETE /api/v1/mail-templates/:kind', { who: tenantAdmin, sees: 'A tenant’s own template removed (back to the default).' }],

  // Single sign-on connections (the client secret is never shown).
  ['GET /api/v1/sso/connections', { who: tenantAdmin, sees: 'The single sign-on connections of readable tenants, without secrets.' }],
  ['GET /api/v1/sso/connections/:id', { who: tenantAdmin, sees: 'One of them; another tenant’s is 404.' }],
  ['POST /api/v1/sso/connections', { who: tenantAdmin, sees: 'A connection for a tenant the role writes, mapping only to roles it may grant; the secret stored encrypted.' }],
  ['PATCH /api/v1/sso/connections/:id', { who: tenantAdmin, sees: 'A connection of a writable tenant changed.' }],
  ['DELETE /api/v1/sso/connections/:id', { who: tenantAdmin, sees: 'A connection of a writable tenant removed (204).' }],

  // Webhooks (Standard Webhooks signatures; the secret shown once).
  ['GET /api/v1/webhooks', { who: tenantAdmin, sees: 'The webhook subscriptions of readable tenants, never a secret.' }],
  ['POST /api/v1/webhooks', { who: tenantAdmin, sees: 'A subscription for a tenant the role writes, with its signing secret shown this once.' }],
  ['GET /api/v1/webhooks/:id', { who: tenantAdmin, sees: 'One of them; another tenant’s is 404.' }],
  ['PATCH /api/v1/webhooks/:id', { who: tenantAdmin, sees: 'A subscription of a writable tenant changed (events, description, enabled).' }],
  ['DELETE /api/v1/webhooks/:id', { who: tenantAdmin, sees: 'A subscription of a writable tenant removed (204).' }],
  ['POST /api/v1/webhooks/:id/rotate-secret', { who: tenantAdmin, sees: 'A new signing secret, shown this once.' }],
  ['GET /api/v1/webhooks/:id/deliveries', { who: tenantAdmin, sees: 'The delivery log of one of its subscriptions: event, state, attempts, last status and error.' }],
  ['POST /api/v1/webhooks/:id/deliveries/:deliveryId/redeliver', { who: tenantAdmin, sees: 'One delivery of its subscription sent again (202).' }],

  // Roles and the tenant's branding.
  ['GET /api/v1/roles', { who: tenantAdmin, sees: 'Public roles and those of readable tenants.' }],
  ['GET /api/v1/roles/:id', { who: tenantAdmin, sees: 'One of them; another tenant’s is 404.' }],
  ['POST /api/v1/roles', { who: tenantAdmin, sees: 'A role no stronger than the definer’s own.' }],
  ['PATCH /api/v1/roles/:id', { who: tenantAdmin, sees: 'A role changed, no stronger than the definer’s own.' }],
  ['PATCH /api/v1/tenant/branding', { who: tenantAdmin, sees: 'This host’s tenant’s name, colour, logo, when the role writes it.' }],

  // The service provider's administration: at its own host, admin.installation.
  ['GET /api/v1/sp/tenants', { who: installationAdmin, sees: 'Every tenant with hosts, hierarchy and placement.' }],
  ['POST /api/v1/sp/tenants', { who: installationAdmin, sees: 'A new tenant.' }],
  ['PATCH /api/v1/sp/tenants/:slug', { who: installationAdmin, sees: 'A tenant changed.' }],
  ['POST /api/v1/sp/tenants/:slug/suspend', { who: installationAdmin, sees: 'A tenant suspended.' }],
  ['POST /api/v1/sp/tenants/:slug/resume', { who: installationAdmin, sees: 'A tenant resumed.' }],
  ['GET /api/v1/sp/tenants/:slug/sender-domains', { who: installationAdmin, sees: "A tenant's verified sender domains." }],
  ['PUT /api/v1/sp/tenants/:slug/sender-domains/:domain', { who: installationAdmin, sees: 'A sender domain verified for a tenant.' }],
  ['DELETE /api/v1/sp/tenants/:slug/sender-domains/:domain', { who: installationAdmin, sees: 'Nothing (204).' }],
  ['POST /api/v1/sp/tenants/:slug/hosts', { who: installationAdmin, sees: 'A host added to a tenant.' }],
  ['DELETE /api/v1/sp/tenants/:slug/hosts/:host', { who: installationAdmin, sees: 'A host removed (never the one in use).' }],
  ['GET /api/v1/sp/tenant-groups', { who: installationAdmin, sees: 'Every tenant group and its members.' }],
  ['POST /api/v1/sp/tenant-groups', { who: installationAdmin, sees: 'A new user-defined group.' }],
  ['PATCH /api/v1/sp/tenant-groups/:slug', { who: installationAdmin, sees: 'A group renamed or its members replaced.' }],
  ['DELETE /api/v1/sp/tenant-groups/:slug', { who: installationAdmin, sees: 'An unused group deleted.' }],
  ['GET /api/v1/sp/state', { who: installationAdmin, sees: 'Multi-tenancy settings, catalog version, shards and their tenants, moves.' }],

  // osTicket's API (X-API-Key): the ticket number as plain text.
  ['POST /api/tickets.json', { who: permission('ticket.create'), credential: 'x-api-key', sees: 'The number of the ticket opened in the key’s tenant.' }],
  ['POST /api/tickets.email', { who: permission('ticket.create'), credential: 'x-api-key', sees: 'The number of the ticket opened from the raw message, in the key’s tenant.' }],
]);

export type RoutePolicies = ReadonlyMap<string, RoutePolicy>;

/** The entry of a route, by method and registered path; HEAD shares GET's. */
export function policyOf(method: string, url: string, table: RoutePolicies = ROUTE_POLICIES): RoutePolicy | undefined {
  return table.get(routeKey(method, url)) ?? (method === 'HEAD' ? table.get(routeKey('GET', url)) : undefined);
}

/** Whether a caller needs no credential at all. */
export const isPublic = (policy: RoutePolicy): boolean => 'anyone' in policy.who;
