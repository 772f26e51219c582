import type { MailConfig } from '../config/config.ts';
import type { AddressPolicy } from '../net/address-policy.ts';
import { createOutbound, type Outbound } from '../net/guarded-connect.ts';
import { applyScope, type ScopedTx } from '../db/scope.ts';
import { writeScope } from '../tenancy/access.ts';
import type { CatalogSnapshot } from '../tenancy/catalog/snapshot.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import type { Shards } from '../tenancy/placement/shards.ts';
import type { TenancySettings } from '../tenancy/settings.ts';
import { systemContext } from '../tenancy/system-context.ts';
import { secretBox, type SecretBox } from './secret-box.ts';

/**
 * What the email channel runs on: where tenants live, the catalog to resolve them against, the
 * mail settings and the box of MAIL_SECRET. Transports (SMTP listener, pipe, IMAP jobs) build one.
 */
export type MailDeps = {
  readonly shards: Shards;
  readonly settings: TenancySettings;
  readonly catalog: () => CatalogSnapshot;
  readonly config: MailConfig;
  readonly box: SecretBox | undefined;
  /** The one way out to IMAP servers and SMTP relays (src/net), under the installation's OUTBOUND_ALLOW. */
  readonly outbound: Outbound;
  /** Where attachment files go (DATA_DIR). */
  readonly dataDir: string;
  readonly log?: TenancyContext['log'];
};

export function mailDeps(rt: {
  readonly shards: Shards;
  readonly settings: TenancySettings;
  readonly catalog: { snapshot(): CatalogSnapshot };
  readonly config: { readonly mail: MailConfig; readonly dataDir: string; readonly outboundPolicy: AddressPolicy };
  readonly log?: TenancyContext['log'];
}): MailDeps {
  return {
    shards: rt.shards,
    settings: rt.settings,
    catalog: () => rt.catalog.snapshot(),
    config: rt.config.mail,
    box: rt.config.mail.secret ? secretBox(rt.config.mail.secret) : undefined,
    outbound: createOutbound({ policy: rt.config.outboundPolicy }),
    dataDir: rt.config.dataDir,
    ...(rt.log ? { log: rt.log } : {}),
  };
}

/**
 * The context mail for one tenant is handled in: it reads and writes that tenant only, whatever
 * the message says. Tenant boundary: everything a message does happens under this scope.
 */
export function tenantMailContext(deps: MailDeps, tenantId: number): TenancyContext {
  return {
    database: deps.shards.pool,
    shards: deps.shards,
    settings: deps.settings,
    catalog: deps.catalog(),
    access: { read: [tenantId], write: [tenantId], writePublic: false },
    // The rows one message's unit of work reads or writes, so references to them are not read again.
    known: new Map(),
    ...(deps.log ? { log: deps.log } : {}),
  };
}

/** The installation's view, for routing an address to its tenant across every shard. */
export function installationMailContext(deps: MailDeps): TenancyContext {
  return systemContext(deps.shards, deps.settings, deps.catalog());
}

/**
 * The open transaction of a unit of work, with the context's write scope applied, for the few
 * statements the data-access layer has no verb for (`insert ... on conflict do nothing`). Row-level
 * security still limits them to the context's tenants.
 */
export async function scopedTx(ctx: TenancyContext): Promise<ScopedTx> {
  if (!ctx.tx) throw new Error('scopedTx needs a unit of work (inTransaction).');
  await applyScope(ctx.tx, writeScope(ctx.access));
  return ctx.tx;
}
