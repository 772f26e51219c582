import { useEffect, useRef } from 'react';

/**
 * A single key (as KeyboardEvent.key names it) and what it does on this screen; an action that
 * returns false leaves the key to the browser (Enter on a focused link opens the link itself).
 */
export type ShortcutMap = Partial<Record<string, () => boolean | void>>;

/**
 * Whether a key press belongs to what the person is typing or to another tool: a field, a
 * select, editable text, a key with Ctrl/Alt/Meta, or anything inside an open dialog. Shortcuts
 * never take those.
 */
export function isTyping(event: KeyboardEvent): boolean {
  if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return true;
  const target = event.target instanceof Element ? event.target : null;
  if (!target) return false;
  return target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], dialog[open]') !== null;
}

/**
 * Listens to the page's keys for as long as the screen is shown; the map may change each render
 * (the listener reads the latest). A key handled is not typed anywhere else (`r` moves focus to
 * the reply box, and must not land in it).
 */
export function useShortcuts(map: ShortcutMap): void {
  const latest = useRef(map);
  latest.current = map;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTyping(event)) return;
      const action = latest.current[event.key];
      if (!action || action() === false) return;
      event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

const QUEUE_ORDER = 'tenantdesk.queue-order';

/** Remembers the order of the queue last shown, so j and k on a ticket move along it. */
export function rememberQueueOrder(ids: readonly string[]): void {
  sessionStorage.setItem(QUEUE_ORDER, JSON.stringify(ids));
}

/** The ticket `step` places from `id` in the queue last shown, if there is one. */
export function neighbourInQueue(id: string, step: 1 | -1): string | undefined {
  let ids: unknown;
  try {
    ids = JSON.parse(sessionStorage.getItem(QUEUE_ORDER) ?? '[]');
  } catch {
    return undefined;
  }
  if (!Array.isArray(ids)) return undefined;
  const at = ids.indexOf(id);
  const next: unknown = at < 0 ? undefined : ids[at + step];
  return typeof next === 'string' ? next : undefined;
}
