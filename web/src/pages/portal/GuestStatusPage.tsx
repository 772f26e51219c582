import { useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, ApiError } from '../../api/client.ts';
import type { TicketState } from '../../api/types.ts';
import { ErrorMessage } from '../../components/ErrorMessage.tsx';
import { Field } from '../../components/Field.tsx';
import { StatusBadge } from '../../components/StatusBadge.tsx';
import { useI18n } from '../../i18n/i18n.tsx';

type GuestStatus = { number: string; subject: string; status: TicketState; updatedAt: string };

/** osTicket's "check ticket status": a ticket's number and its requester's email, nothing else. */
export function GuestStatusPage() {
  const { t, formatDate } = useI18n();
  const [number, setNumber] = useState('');
  const [email, setEmail] = useState('');
  const check = useMutation({ mutationFn: (input: { number: string; email: string }) => api<GuestStatus>('POST', '/api/v1/guest/ticket-status', input) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    check.mutate({ number: number.trim(), email: email.trim() });
  };
  const notFound = check.error instanceof ApiError && check.error.status === 404;
  return (
    <div className="narrow">
      <h1>{t('guest.title')}</h1>
      <p>{t('guest.intro')}</p>
      <form className="card form" onSubmit={submit}>
        <Field label={t('guest.number')}>
          <input name="number" required maxLength={40} autoComplete="off" value={number} onChange={(e) => setNumber(e.target.value)} />
        </Field>
        <Field label={t('guest.email')}>
          <input type="email" name="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        {notFound ? (
          <p role="alert" className="alert alert-error">
            {t('guest.notFound')}
          </p>
        ) : (
          check.isError && <ErrorMessage error={check.error} />
        )}
        <button type="submit" className="button" disabled={check.isPending}>
          {t('guest.submit')}
        </button>
      </form>
      {check.data && (
        <section className="card" aria-live="polite">
          <h2>{t('guest.result', { number: check.data.number, status: t(`state.${check.data.status}`) })}</h2>
          <p>{check.data.subject}</p>
          <p className="muted">
            <StatusBadge state={check.data.status} /> · {t('ticket.updated')} {formatDate(check.data.updatedAt)}
          </p>
        </section>
      )}
      <p>
        <Link to="/">{t('nav.signIn')}</Link>
      </p>
    </div>
  );
}
