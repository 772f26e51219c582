/** How often the deadline looks at the clock, and the most one look may count. */
const STEP_MS = 50;
const MOST_COUNTED_MS = 2 * STEP_MS;

/**
 * Calls `expired` once `ms` of this process's own running time have passed, and returns a
 * function that cancels it. A plain timer counts wall time: on a loaded machine, or behind a long
 * synchronous task, the process does not run for a while, and when it does, timers fire before the
 * socket is read, so an answer that arrived in time is thrown away as late. Here a stretch in which
 * the event loop was starved counts as one step only, and the end is announced after pending I/O
 * has been read (setImmediate runs after the poll phase).
 */
export function runningDeadline(ms: number, expired: () => void): () => void {
  let left = ms;
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  const look = () => {
    const now = performance.now();
    left -= Math.min(now - last, MOST_COUNTED_MS);
    last = now;
    if (left > 0) timer = setTimeout(look, Math.min(STEP_MS, left));
    else immediate = setImmediate(expired);
  };
  timer = setTimeout(look, Math.min(STEP_MS, Math.max(ms, 0)));
  return () => {
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}
