import assert from 'node:assert/strict';
import { it } from 'node:test';
import { importedClock } from '../../src/import/osticket/imported-clocks.ts';
import { parseBusinessCalendar } from '../../src/sla/business-calendar.ts';
import type { SlaPlan } from '../../src/sla/sla-plan.ts';

const office = [{ start: '09:00', end: '17:00' }];
// Weekdays 09:00-17:00 UTC; answer within 1 business hour, resolve within 18 (osTicket's grace period).
const plan: SlaPlan = {
  id: 'plan',
  firstResponseMinutes: 60,
  resolutionMinutes: 18 * 60,
  pauseWhenPending: true,
  priorityTargets: {},
  calendar: parseBusinessCalendar({ timeZone: 'UTC', week: { monday: office, tuesday: office, wednesday: office, thursday: office, friday: office, saturday: [], sunday: [] } }),
};
const now = new Date('2024-03-20T12:00:00Z');
// Opened on Friday 1 March 2024 at 16:00, one business hour before the weekend.
const opened = '2024-03-01T16:00:00.000Z';

it('runs an open ticket’s clocks from when osTicket opened it, in business hours, and flags the breaches of its history', () => {
  const clock = importedClock(plan, 'normal', { createdAt: opened, state: 'open', manualDueAt: null, firstResponseAt: '2024-03-04T10:00:00.000Z', closedAt: null }, now);
  assert.equal(clock.first_response_due_at?.toISOString(), '2024-03-01T17:00:00.000Z');
  assert.equal(clock.first_response_breached_at?.toISOString(), '2024-03-01T17:00:00.000Z', 'answered on Monday, after its due hour on Friday');
  // 1 h on Friday, 8 on Monday, 8 on Tuesday, 1 on Wednesday.
  assert.equal(clock.resolution_due_at?.toISOString(), '2024-03-06T10:00:00.000Z');
  assert.equal(clock.resolution_breached_at?.toISOString(), '2024-03-06T10:00:00.000Z');
  assert.equal(clock.sla_paused_at, null);
  assert.equal(clock.first_responded_at?.toISOString(), '2024-03-04T10:00:00.000Z');
});

it('stops a closed ticket’s clocks when it was closed: in time is not breached', () => {
  const clock = importedClock(plan, 'normal', { createdAt: opened, state: 'closed', manualDueAt: null, firstResponseAt: '2024-03-01T16:30:00.000Z', closedAt: '2024-03-05T12:00:00.000Z' }, now);
  assert.equal(clock.resolution_due_at?.toISOString(), '2024-03-06T10:00:00.000Z');
  assert.equal(clock.resolution_breached_at, null);
  assert.equal(clock.first_response_breached_at, null);
  assert.equal(clock.resolved_at?.toISOString(), '2024-03-05T12:00:00.000Z');
  assert.equal(clock.sla_paused_at?.toISOString(), '2024-03-05T12:00:00.000Z');
});

it('keeps an agent’s own due date as the resolution due date', () => {
  const clock = importedClock(plan, 'normal', { createdAt: opened, state: 'open', manualDueAt: '2024-04-01T00:00:00.000Z', firstResponseAt: null, closedAt: null }, now);
  assert.equal(clock.resolution_due_at?.toISOString(), '2024-04-01T00:00:00.000Z');
  assert.equal(clock.resolution_breached_at, null);
  assert.equal(clock.first_response_breached_at?.toISOString(), '2024-03-01T17:00:00.000Z', 'never answered: breached since its due hour');
});
