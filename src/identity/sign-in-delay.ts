/**
 * How long a client must wait before its next sign-in attempt, after `failures` failed ones within
 * the window: nothing for the first `free` ones (typos), then one second, doubling with each
 * further failure, never more than the window. Growing delays instead of a lockout, as OWASP's
 * authentication cheat sheet advises: they make guessing slow without handing a stranger a switch
 * that locks someone else out.
 */
export function signInDelayMs(failures: number, free: number, windowMs: number): number {
  if (failures < free) return 0;
  // The exponent is capped first: 2 ** 1100 is Infinity, and a window is at most a day.
  return Math.min(windowMs, 1000 * 2 ** Math.min(failures - free, 30));
}
