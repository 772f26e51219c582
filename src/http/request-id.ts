import { randomBytes } from 'node:crypto';

/**
 * Request ids for one process (one app): a random tag of the process and a counter. Fastify's own
 * (`req-1`, `req-2`, …) start again in every process, so with several processes behind a proxy
 * (docs/scaling.md) the logs of one desk had many requests under each id.
 */
export function requestIds(): () => string {
  const tag = randomBytes(4).toString('hex');
  let count = 0;
  return () => `${tag}-${(++count).toString(36)}`;
}
