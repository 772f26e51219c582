import { useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import type { Ticket } from '../../api/types.ts';
import { rememberQueueOrder, useShortcuts } from '../../app/shortcuts.ts';

/**
 * The queue's keys: j and k choose the next or previous row (its subject link takes focus, so a
 * screen reader says which), Enter opens the chosen ticket. The order shown is remembered for the
 * ticket page's own j and k. Returns the chosen ticket's id, for the table to mark.
 */
export function useQueueKeys(items: Ticket[]): string | undefined {
  const navigate = useNavigate();
  const [current, setCurrent] = useState<string>();
  const order = items.map((ticket) => ticket.id);
  const orderKey = order.join(',');
  useEffect(() => rememberQueueOrder(orderKey ? orderKey.split(',') : []), [orderKey]);

  const move = (step: 1 | -1) => {
    if (order.length === 0) return;
    const at = current ? order.indexOf(current) : -1;
    const next = order[at < 0 ? 0 : Math.min(order.length - 1, Math.max(0, at + step))]!;
    setCurrent(next);
    document.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(next)}"] a`)?.focus();
  };
  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    // On a focused link or button, Enter is theirs.
    Enter: () => (current && !document.activeElement?.closest('a, button') ? void navigate(`/tickets/${current}`) : false),
  });
  return current;
}
