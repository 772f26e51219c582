import { useSyncExternalStore } from 'react';

/** Whether the live update stream is up (live-updates.ts keeps it), for how often queries poll. */
let live = false;
const listeners = new Set<() => void>();

/** How often open queues and tickets reload: rarely while the stream is up, every 10 s while down. */
export const pollInterval = (): number => (live ? LIVE_SAFETY_MS : DOWN_POLL_MS);
const DOWN_POLL_MS = 10_000;
/** Even with the stream up, a slow reload catches what no event names (a catalog change, a lost frame). */
const LIVE_SAFETY_MS = 5 * 60_000;

export function setLive(value: boolean): void {
  live = value;
  for (const listener of listeners) listener();
  // For the browser tests and for anyone looking: whether this page is live.
  document.documentElement.dataset.live = value ? 'on' : 'off';
}

/** Whether the page is live now, for a page that tells the person how fresh it is. */
export function useLive(): boolean {
  return useSyncExternalStore(
    (listener) => (listeners.add(listener), () => void listeners.delete(listener)),
    () => live,
  );
}

