import { NOTIFY_CHANNELS, NotifyListener } from '../../db/notify-listener.ts';

/** Its connection's application_name, to find it in pg_stat_activity. */
export const LISTENER_NAME = NOTIFY_CHANNELS.catalog.name;

type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

/** LISTENs to catalog changes (migration 0030) on a connection of its own (db/notify-listener.ts). */
export class CatalogListener extends NotifyListener {
  constructor(login: { readonly connectionString: string; readonly options?: string }, events: { changed(version: number): void; connected(): void; log?: Log }) {
    super(login, 'catalog', { notified: (payload) => events.changed(Number(payload)), connected: events.connected, ...(events.log ? { log: events.log } : {}) });
  }

  /** The catalog version read on the listening connection, which proves it alive (see `probe`). */
  async version(timeoutMs: number): Promise<number> {
    const rows = await this.probe<{ version: string }>('select version::text as version from catalog_state', timeoutMs);
    return Number(rows[0]!.version);
  }
}
