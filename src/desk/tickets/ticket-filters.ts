import { z } from 'zod';
import { AppError } from '../../errors.ts';

/**
 * Ticket filters: rules on incoming tickets ("subject contains 'invoice'") and what to do when they
 * match (set department, priority, assignee, team, add tags, or reject). Matching is plain string
 * comparison, case-insensitive: no regular expressions, so a rule cannot be made to run for ever.
 */
export const FILTER_FIELDS = ['subject', 'body', 'requesterEmail', 'source', 'type', 'helpTopicId'] as const;
export const filterRuleSchema = z
  .object({
    field: z.enum(FILTER_FIELDS),
    op: z.enum(['equals', 'not-equals', 'contains', 'not-contains', 'starts-with', 'ends-with']),
    value: z.string().min(1).max(500),
  })
  .strict();
export const filterRulesSchema = z.array(filterRuleSchema).min(1).max(50);
export type FilterRule = z.infer<typeof filterRuleSchema>;

/** What filters look at: the incoming ticket as submitted, with help-topic defaults applied. */
export type FilterSubject = Partial<Record<(typeof FILTER_FIELDS)[number], string | null>>;

/** A filter as stored (`ticket_filters`). */
export type TicketFilter = {
  name: string;
  match: 'all' | 'any';
  rules: FilterRule[];
  reject: boolean;
  set_department_id: string | null;
  set_priority_id: string | null;
  set_assignee_id: string | null;
  set_team_id: string | null;
  add_tags: string[];
  stop_processing: boolean;
};

/** The changes filters make to a new ticket, and which filters fired (for the thread). */
export type FilterOutcome = { rejectedBy?: string; set: Record<string, string>; tags: string[]; applied: string[] };

export function parseFilterRules(rules: unknown): FilterRule[] {
  const parsed = filterRulesSchema.safeParse(rules);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError('VALIDATION_FAILED', `A filter rule is not valid (${issue.path.join('.') || 'rules'}: ${issue.message}).`, 'rules');
  }
  return parsed.data;
}

function ruleMatches(rule: FilterRule, subject: FilterSubject): boolean {
  const actual = (subject[rule.field] ?? '').toLowerCase();
  const expected = rule.value.toLowerCase();
  switch (rule.op) {
    case 'equals':
      return actual === expected;
    case 'not-equals':
      return actual !== expected;
    case 'contains':
      return actual.includes(expected);
    case 'not-contains':
      return !actual.includes(expected);
    case 'starts-with':
      return actual.startsWith(expected);
    case 'ends-with':
      return actual.endsWith(expected);
  }
}

export function filterMatches(filter: Pick<TicketFilter, 'match' | 'rules'>, subject: FilterSubject): boolean {
  return filter.match === 'all' ? filter.rules.every((r) => ruleMatches(r, subject)) : filter.rules.some((r) => ruleMatches(r, subject));
}

/** Runs the filters in order; a later filter's setting wins, a rejection or `stop_processing` ends the run. */
export function applyFilters(filters: readonly TicketFilter[], subject: FilterSubject): FilterOutcome {
  const outcome: FilterOutcome = { set: {}, tags: [], applied: [] };
  for (const filter of filters) {
    if (!filterMatches(filter, subject)) continue;
    outcome.applied.push(filter.name);
    if (filter.reject) return { ...outcome, rejectedBy: filter.name };
    const actions = {
      department_id: filter.set_department_id,
      priority_id: filter.set_priority_id,
      assignee_id: filter.set_assignee_id,
      team_id: filter.set_team_id,
    };
    for (const [column, value] of Object.entries(actions)) if (value) outcome.set[column] = value;
    outcome.tags.push(...filter.add_tags.filter((t) => !outcome.tags.includes(t)));
    if (filter.stop_processing) break;
  }
  return outcome;
}
