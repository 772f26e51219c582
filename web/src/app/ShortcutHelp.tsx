import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/messages.ts';
import { useShortcuts } from './shortcuts.ts';

/** The shortcuts of the agent panel, by screen, as the help lists them. */
const GROUPS: { title: MessageKey; keys: [string, MessageKey][] }[] = [
  { title: 'keys.inQueue', keys: [['j', 'keys.next'], ['k', 'keys.previous'], ['keys.key.enter', 'keys.enter']] },
  { title: 'keys.onTicket', keys: [['j', 'keys.next'], ['k', 'keys.previous'], ['r', 'keys.reply'], ['n', 'keys.note'], ['a', 'keys.assignMe']] },
  { title: 'keys.everywhere', keys: [['?', 'keys.help'], ['keys.key.escape', 'keys.escape']] },
];

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * The keyboard shortcuts' help: `?` (or the button under every agent page) opens it as a modal
 * dialog; Tab stays inside it, Escape or Close closes it, and focus goes back where it was.
 */
export function ShortcutHelp() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  useShortcuts({ '?': () => setOpen(true) });

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      element.showModal();
      element.querySelector<HTMLElement>('button')?.focus();
    } else if (!open && element.open) element.close();
  }, [open]);

  const closed = () => {
    setOpen(false);
    opener.current?.focus();
  };
  // A modal dialog makes the page inert, but Tab could still leave for the browser's own controls.
  const trap = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== 'Tab') return;
    const items = [...event.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const [first, last] = [items[0], items.at(-1)];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last?.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first?.focus();
    }
  };

  return (
    <>
      <footer className="page shortcut-hint">
        <button type="button" className="link-button" onClick={() => setOpen(true)}>
          {t('keys.open')}
        </button>
      </footer>
      <dialog ref={dialog} className="shortcut-help card" aria-labelledby="shortcut-help-title" onClose={closed} onKeyDown={trap}>
        <div className="page-head">
          <h2 id="shortcut-help-title">{t('keys.title')}</h2>
          <button type="button" className="button secondary" onClick={() => setOpen(false)}>
            {t('keys.close')}
          </button>
        </div>
        {GROUPS.map((group) => (
          <section key={group.title} aria-labelledby={`keys-${group.title}`}>
            <h3 id={`keys-${group.title}`}>{t(group.title)}</h3>
            <dl className="shortcut-list">
              {group.keys.map(([key, what]) => (
                <div key={key}>
                  <dt>
                    <kbd>{key.startsWith('keys.key.') ? t(key as MessageKey) : key}</kbd>
                  </dt>
                  <dd>{t(what)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <p className="muted small">{t('keys.notWhileTyping')}</p>
      </dialog>
    </>
  );
}
