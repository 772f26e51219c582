import { useNavigate } from 'react-router';
import { neighbourInQueue, useShortcuts } from '../../app/shortcuts.ts';

/** Chooses the composer's kind (when it offers both) and puts the cursor in its text; false when it cannot write that kind. */
function compose(kind: 'reply' | 'note'): boolean {
  const composer = document.querySelector<HTMLFormElement>('form.composer');
  if (!composer) return false;
  composer.querySelector<HTMLInputElement>(`input[name="kind"][value="${kind}"]`)?.click();
  if (!composer.classList.contains(`composer-${kind}`) && !composer.querySelector(`input[name="kind"][value="${kind}"]`)) return false;
  composer.querySelector<HTMLTextAreaElement>('textarea[name="body"]')?.focus();
  return true;
}

/**
 * The agent's keys on a ticket: j and k go to the next or previous ticket of the queue last shown,
 * r and n start a reply or an internal note, a assigns the ticket to the agent (the details form's
 * own button, so unsaved edits are kept as that button says). Keys the screen cannot honour (no
 * reply without a requester, already assigned) do nothing.
 */
export function useTicketKeys(ticketId: string): void {
  const navigate = useNavigate();
  const go = (step: 1 | -1) => {
    const next = neighbourInQueue(ticketId, step);
    if (!next) return false;
    void navigate(`/tickets/${next}`);
  };
  useShortcuts({
    j: () => go(1),
    k: () => go(-1),
    r: () => compose('reply'),
    n: () => compose('note'),
    a: () => {
      const button = document.querySelector<HTMLButtonElement>('button[data-shortcut="assign-me"]:not([disabled])');
      if (!button) return false;
      button.click();
    },
  });
}
