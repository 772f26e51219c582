import { useEffect } from 'react';
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { keys } from './queries.ts';
import { setLive } from './live-state.ts';
import { onLeavingSession } from './client.ts';

/**
 * Live updates pushed by the server (GET /api/v1/events, server-sent events). While the stream is
 * up, queues and open tickets reload when the server names them; while it is down (a proxy that
 * cuts it, a server stopping), they poll every 10 s as before, and the stream is tried again.
 */
const FIRST_RETRY_MS = 2000;
const LAST_RETRY_MS = 60_000;
/** Events arriving together reload each query once. */
const BATCH_MS = 150;

type Named = { ticketId?: string };

/** Reloads the queues, and the named tickets with their threads; `all` reloads every ticket shown. */
function reloader(client: QueryClient): (ticketId: string | 'all') => void {
  let pending = new Set<string>();
  let timer: number | undefined;
  return (ticketId) => {
    pending.add(ticketId);
    timer ??= window.setTimeout(() => {
      const ids = pending;
      pending = new Set();
      timer = undefined;
      void client.invalidateQueries({
        queryKey: keys.scoped,
        predicate: (q) => q.queryKey[1] === 'tickets' || (q.queryKey[1] === 'ticket' && (ids.has('all') || ids.has(String(q.queryKey[2])))),
      });
    }, BATCH_MS);
  };
}

/** Holds the stream open while signed in; `identity` (contact and active role) changing opens a new one. */
export function useLiveUpdates(identity: string): void {
  const client = useQueryClient();
  useEffect(() => {
    const reload = reloader(client);
    let source: EventSource | undefined;
    let retryMs = FIRST_RETRY_MS;
    let retry: number | undefined;
    let stopped = false;
    const down = () => {
      source?.close();
      source = undefined;
      setLive(false);
      if (stopped) return;
      retry = window.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    };
    const connect = () => {
      source = new EventSource('/api/v1/events');
      source.addEventListener('ready', () => {
        retryMs = FIRST_RETRY_MS;
        setLive(true);
        // What changed while the stream was down is unknown.
        reload('all');
      });
      for (const name of ['ticket', 'entry']) {
        source.addEventListener(name, (event) => {
          const { ticketId } = JSON.parse((event as MessageEvent<string>).data) as Named;
          if (ticketId) reload(ticketId);
        });
      }
      source.addEventListener('resync', () => reload('all'));
      // The server ended it (signed out, its age, shutting down) or the connection failed: poll, and retry.
      source.addEventListener('ended', down);
      source.onerror = down;
    };
    const stop = () => {
      stopped = true;
      window.clearTimeout(retry);
      source?.close();
      setLive(false);
    };
    // Signing out ends the stream before the session does: it is never refused, nor reopened.
    const unlisten = onLeavingSession(stop);
    connect();
    return () => {
      unlisten();
      stop();
    };
  }, [client, identity]);
}
