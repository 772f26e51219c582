import { useState } from 'react';
import type { BulkResult } from '../../api/queue-tools-queries.ts';
import type { Ticket } from '../../api/types.ts';
import type { Selection } from '../../components/TicketTable.tsx';

/**
 * The queue's selected tickets, each as it was when selected (its version goes with the bulk
 * action, so a change made since is refused, not overwritten). After an action, the refused
 * tickets stay selected and the changed ones are let go.
 */
export function useQueueSelection(shown: Ticket[]) {
  const [chosen, setChosen] = useState<Map<string, Ticket>>(new Map());
  const all = shown.length > 0 && shown.every((ticket) => chosen.has(ticket.id));
  const selection: Selection = {
    isSelected: (id) => chosen.has(id),
    toggle: (ticket) =>
      setChosen((current) => {
        const next = new Map(current);
        if (next.has(ticket.id)) next.delete(ticket.id);
        else next.set(ticket.id, ticket);
        return next;
      }),
    toggleAll: () => setChosen(all ? new Map() : new Map(shown.map((ticket) => [ticket.id, ticket]))),
    all,
    some: chosen.size > 0,
  };
  return {
    selection,
    selected: [...chosen.values()],
    clear: () => setChosen(new Map()),
    keepRefused: (results: BulkResult[]) => setChosen((current) => new Map([...current].filter(([id]) => results.some((r) => r.id === id && !r.ok)))),
  };
}
