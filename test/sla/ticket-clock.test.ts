import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planFromRow } from '../../src/sla/sla-plan.ts';
import { runClock, type ClockTicket } from '../../src/sla/ticket-clock.ts';

// Office hours in Paris, Monday to Friday, with Christmas off. Winter: Paris is UTC+1.
const plan = planFromRow({
  id: 'p',
  first_response_minutes: 60,
  resolution_minutes: 8 * 60,
  timezone: 'Europe/Paris',
  business_hours: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
  holidays: ['2026-12-25'],
  priority_targets: { urgent: { firstResponseMinutes: 15, resolutionMinutes: 120 } },
});
const at = (iso: string) => new Date(iso);
const opened = (iso: string, extra: Partial<ClockTicket> = {}): ClockTicket => ({
  created_at: at(iso),
  status: 'open',
  due_at: null,
  first_response_due_at: null,
  first_responded_at: null,
  resolved_at: null,
  sla_paused_at: null,
  sla_paused_minutes: 0,
  first_response_breached_at: null,
  resolution_breached_at: null,
  ...extra,
});

describe('SLA clocks of a ticket', () => {
  it('carries due dates over the weekend', () => {
    // Friday 2026-12-04 16:30 Paris: 30 minutes left on Friday, the rest on Monday.
    const clock = runClock(plan, null, opened('2026-12-04T15:30:00Z'), at('2026-12-04T15:30:00Z'));
    assert.equal(clock.first_response_due_at?.toISOString(), '2026-12-07T08:30:00.000Z', 'Monday 09:30 Paris');
    assert.equal(clock.resolution_due_at?.toISOString(), '2026-12-07T15:30:00.000Z', 'Monday 16:30 Paris');
  });

  it('skips holidays and counts nothing before opening time', () => {
    // Thursday 24 December, 20:00 Paris: Friday is Christmas, so the clock starts on Monday the 28th.
    const clock = runClock(plan, null, opened('2026-12-24T19:00:00Z'), at('2026-12-24T19:00:00Z'));
    assert.equal(clock.first_response_due_at?.toISOString(), '2026-12-28T09:00:00.000Z', 'Monday 10:00 Paris');
    assert.equal(clock.resolution_due_at?.toISOString(), '2026-12-28T16:00:00.000Z', 'Monday 17:00 Paris: exactly one working day');
  });

  it('uses the targets of the ticket’s priority when the plan has them', () => {
    const clock = runClock(plan, 'urgent', opened('2026-12-07T08:00:00Z'), at('2026-12-07T08:00:00Z'));
    assert.equal(clock.first_response_due_at?.toISOString(), '2026-12-07T08:15:00.000Z');
    assert.equal(clock.resolution_due_at?.toISOString(), '2026-12-07T10:00:00.000Z');
  });

  it('pauses while pending on the customer and moves the due dates by the business time paused', () => {
    const open = opened('2026-12-07T08:00:00Z');
    const first = runClock(plan, null, open, at('2026-12-07T08:00:00Z'));
    // Pending from Monday 10:00 to Tuesday 11:00 Paris: Monday 10:00-17:00 (7 h) and Tuesday
    // 09:00-11:00 (2 h) of business time paused.
    const paused = runClock(plan, null, { ...open, ...first, status: 'pending' }, at('2026-12-07T09:00:00Z'));
    assert.equal(paused.sla_paused_at?.toISOString(), '2026-12-07T09:00:00.000Z');
    assert.equal(paused.resolution_due_at?.toISOString(), first.resolution_due_at?.toISOString(), 'a pause moves nothing until it ends');
    const resumed = runClock(plan, null, { ...open, ...paused, status: 'open' }, at('2026-12-08T10:00:00Z'));
    assert.equal(resumed.sla_paused_at, null);
    assert.equal(resumed.sla_paused_minutes, 9 * 60);
    // 8 h target + 9 h paused = 17 business hours from Monday 09:00: Monday 8 h, Tuesday 8 h, Wednesday 10:00.
    assert.equal(resumed.resolution_due_at?.toISOString(), '2026-12-09T09:00:00.000Z');
  });

  it('does not pause when the plan says pending keeps the clock running', () => {
    const running = planFromRow({ id: 'r', resolution_minutes: 60, timezone: 'UTC', business_hours: null, pause_when_pending: false });
    const clock = runClock(running, null, opened('2026-12-05T10:00:00Z', { status: 'pending' }), at('2026-12-05T10:30:00Z'));
    assert.equal(clock.sla_paused_at, null);
    assert.equal(clock.resolution_due_at?.toISOString(), '2026-12-05T11:00:00.000Z', 'around the clock, weekend included');
  });

  it('stops at resolution, keeps the first-response due date once answered, and clears a breach the new due date undoes', () => {
    const open = opened('2026-12-07T08:00:00Z', { first_responded_at: at('2026-12-07T08:30:00Z'), first_response_due_at: at('2026-12-07T09:00:00Z') });
    const resolved = runClock(plan, 'urgent', { ...open, status: 'resolved' }, at('2026-12-07T12:00:00Z'));
    assert.equal(resolved.resolved_at?.toISOString(), '2026-12-07T12:00:00.000Z');
    assert.equal(resolved.first_response_due_at?.toISOString(), '2026-12-07T09:00:00.000Z', 'not recomputed for the urgent target');
    const breached = opened('2026-12-07T08:00:00Z', { resolution_breached_at: at('2026-12-07T17:00:00Z') });
    const manual = runClock(plan, null, { ...breached, due_at: at('2026-12-20T00:00:00Z') }, at('2026-12-08T08:00:00Z'));
    assert.equal(manual.resolution_due_at?.toISOString(), '2026-12-20T00:00:00.000Z', 'a due date set by hand wins');
    assert.equal(manual.resolution_breached_at, null, 'so the next breach is recorded again');
  });
});
