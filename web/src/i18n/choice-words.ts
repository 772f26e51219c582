import type { Choice } from '../api/types.ts';
import type { MessageKey } from './messages.ts';

/**
 * The public priorities, by the names the installation seeds them with (migration 0003), said in
 * the reader's language. Choices carry no slug, and priorities are public rows nobody renames;
 * any other name (a priority an installation added) is shown as it is.
 */
const PUBLIC_PRIORITIES: Readonly<Record<string, MessageKey>> = { Low: 'priority.low', Normal: 'priority.normal', High: 'priority.high', Urgent: 'priority.urgent' };

/** A choice's label in the reader's language, where the desk knows the row. */
export function choiceLabel(t: (key: MessageKey) => string, field: string, choice: Choice): string {
  const key = field === 'priority_id' && choice.tenant === null ? PUBLIC_PRIORITIES[choice.label] : undefined;
  return key ? t(key) : choice.label;
}
