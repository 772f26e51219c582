import { z } from 'zod';
import { defineJob } from '../jobs/job-type.ts';

/**
 * Sends one delivery (webhooks/deliver-webhook.ts). Each attempt is its own job keyed
 * `<delivery>:<attempt>`: a failed attempt logs itself and enqueues the next at its back-off time in
 * the same transaction, so the delivery log keeps every attempt. The job runner's own retries are
 * for a process that died mid-attempt.
 */
export const deliverWebhook = defineJob({
  name: 'webhook.deliver',
  payload: z.object({ deliveryId: z.string().uuid() }),
  maxAttempts: 3,
  leaseMs: 60_000,
  backoffMs: 30_000,
});
