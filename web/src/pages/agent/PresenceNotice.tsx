import { useEffect, useState } from 'react';
import { api } from '../../api/client.ts';
import { useI18n } from '../../i18n/i18n.tsx';

type Present = { contactId: string; name: string; activity: 'viewing' | 'replying' };

/** The mark is renewed this often; the server forgets it 30 s after the last renewal. */
const RENEW_MS = 10_000;

/**
 * The collision notice (decision 0121): marks this agent viewing or replying on the ticket while
 * the page is open, and says who else is on it now. The mark goes when the page closes.
 */
export function PresenceNotice({ ticketId, replying }: { ticketId: string; replying: boolean }) {
  const { t } = useI18n();
  const [others, setOthers] = useState<Present[]>([]);
  const path = `/api/v1/tickets/${encodeURIComponent(ticketId)}/presence`;
  useEffect(() => {
    let stopped = false;
    const renew = () =>
      api<{ present: Present[] }>('PUT', path, { activity: replying ? 'replying' : 'viewing' }).then(
        (answer) => stopped || setOthers(answer.present),
        // A notice is a courtesy: a failed renewal leaves the page as it is.
        () => undefined,
      );
    void renew();
    const timer = window.setInterval(() => void renew(), RENEW_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [path, replying]);
  useEffect(() => () => void api('DELETE', path).catch(() => undefined), [path]);
  if (!others.length) return null;
  return (
    <div className="alert alert-ok presence" role="status">
      {others.map((p) => (
        <p key={p.contactId}>{t(p.activity === 'replying' ? 'presence.replying' : 'presence.viewing', { name: p.name })}</p>
      ))}
    </div>
  );
}
