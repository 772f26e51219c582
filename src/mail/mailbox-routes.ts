import type { Row } from '../tenancy/data-access.ts';
import type { Shards } from '../tenancy/placement/shards.ts';

/**
 * Which mailbox a recipient address routes to, remembered for a short while. Routing asks every
 * shard, twice per SMTP message (RCPT, then DATA) and once per copied address of a new ticket: a
 * cost paid on every message for an answer that changes only when an administrator adds or removes
 * a support address. Entries are forgotten:
 * - at once in this process, when it adds or removes a mailbox (`forget`, mailboxes.ts);
 * - when the catalog version changes (a tenant created, suspended, moved or deleted);
 * - after 30 s (an address found) or 5 s (no such address), for changes made by another process
 *   (a CLI `mailbox add` against PostgreSQL).
 * A route only names a mailbox: delivery reads the mailbox row again in its own unit of work, so
 * its settings (known senders only, auto-reply, active) are always current.
 */
export const ROUTE_TTL_MS = 30_000;
export const MISSING_ROUTE_TTL_MS = 5_000;
/** Mail to many made-up addresses must not grow the map without bound. */
const MAX_ROUTES = 10_000;

type Route = { readonly mailbox: Promise<Row | undefined>; expires: number; settled: boolean };

export class MailboxRoutes {
  readonly #routes = new Map<string, Route>();
  #catalogVersion: number | undefined;

  /**
   * The mailbox of `address` (normalised), from memory or from `load`; concurrent lookups share one
   * load, except with `inUnitOfWork`: a caller holding a transaction never waits for a load that may
   * itself wait for a connection (PGlite has one), it loads in its own transaction instead.
   */
  lookup(address: string, catalogVersion: number, load: () => Promise<Row | undefined>, inUnitOfWork = false): Promise<Row | undefined> {
    if (catalogVersion !== this.#catalogVersion) {
      this.#routes.clear();
      this.#catalogVersion = catalogVersion;
    }
    const now = Date.now();
    const known = this.#routes.get(address);
    if (known && known.expires > now && (known.settled || !inUnitOfWork)) return known.mailbox;
    if (this.#routes.size >= MAX_ROUTES) this.#routes.clear();
    const route: Route = { mailbox: load(), expires: now + ROUTE_TTL_MS, settled: false };
    this.#routes.set(address, route);
    route.mailbox.then(
      (mailbox) => {
        route.settled = true;
        if (!mailbox) route.expires = Math.min(route.expires, Date.now() + MISSING_ROUTE_TTL_MS);
      },
      // A failed lookup (database unreachable) is not remembered: the next message asks again.
      () => {
        if (this.#routes.get(address) === route) this.#routes.delete(address);
      },
    );
    return route.mailbox;
  }

  forget(): void {
    this.#routes.clear();
  }
}

const installations = new WeakMap<Shards, MailboxRoutes>();

/** The routes of one installation (its shard map), shared by the SMTP listener, pipe and admin code of a process. */
export function mailboxRoutes(shards: Shards): MailboxRoutes {
  let routes = installations.get(shards);
  if (!routes) installations.set(shards, (routes = new MailboxRoutes()));
  return routes;
}
