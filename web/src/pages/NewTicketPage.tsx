import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { useOpenTicket } from '../api/desk-queries.ts';
import { useKbDeflection, useKbSearch } from '../api/kb-queries.ts';
import { useChoices, useReadableTenants, type NewTicket } from '../api/queries.ts';
import type { Me } from '../api/types.ts';
import { isCustomer, writesSeveralTenants } from '../app/session.ts';
import { FileInput } from '../components/Attachments.tsx';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { Field } from '../components/Field.tsx';
import { textToHtml } from '../components/html.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { choiceOptions, Options, tenantOptions } from '../components/Options.tsx';
import { ChosenRequester, RequesterPicker } from '../components/RequesterPicker.tsx';
import type { Requester } from '../api/requester-queries.ts';

/**
 * Opening a ticket: help topic, subject, message. A role that writes several tenants (service
 * provider) must say which tenant first; topics and priorities then come from that tenant. An
 * agent names the customer it opens the ticket for (the requester), found among that tenant's
 * contacts or added by email address; a customer's tickets are its own.
 */
export function NewTicketPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const several = writesSeveralTenants(me);
  const tenants = useReadableTenants(several);
  const [tenant, setTenant] = useState('');
  const ready = !several || tenant !== '';
  const topics = useChoices('ticket', 'help_topic_id', several ? tenant : undefined, ready);
  const priorities = useChoices('ticket', 'priority_id', several ? tenant : undefined, ready && !isCustomer(me));
  const [form, setForm] = useState({ helpTopicId: '', priorityId: '', subject: '', message: '' });
  const [files, setFiles] = useState<File[]>([]);
  const [requester, setRequester] = useState<Requester | null>(null);
  const create = useOpenTicket();
  // Deflection: articles matching the subject as it is typed; "This solved my problem" drops the draft.
  const suggestions = useKbSearch(form.subject, true);
  const deflect = useKbDeflection();
  const solved = (id: string) => deflect.mutate({ id, subject: form.subject }, { onSuccess: () => navigate(isCustomer(me) ? '/tickets' : '/queue', { state: { deflected: true } }) });
  const set = (name: keyof typeof form) => (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = tenants.data?.find((t) => t.slug === tenant);
    const input: NewTicket = {
      subject: form.subject.trim(),
      body: textToHtml(form.message),
      ...(form.helpTopicId ? { helpTopicId: form.helpTopicId } : {}),
      ...(form.priorityId ? { priorityId: form.priorityId } : {}),
      ...(chosen ? { tenantId: chosen.id } : {}),
      ...(requester ? { requesterId: requester.id } : {}),
    };
    create.mutate(
      { ticket: input, files },
      // Files the server refused are named on the ticket's page; the ticket itself is open.
      { onSuccess: ({ ticket, failed }) => navigate(`/tickets/${ticket.id}`, { state: { created: ticket.number, failedFiles: failed.map((f) => f.file.name) } }) },
    );
  };

  return (
    <div className="narrow">
      <h1>{t('newTicket.title')}</h1>
      <form className="card form" onSubmit={submit}>
        {several && (
          <Field label={t('ticket.tenant')} hint={t('newTicket.tenantHelp')}>
            <select
              name="tenant"
              required
              value={tenant}
              onChange={(e) => {
                // A requester belongs to the ticket's tenant: another tenant starts the choice again.
                setTenant(e.target.value);
                setRequester(null);
              }}
            >
              <Options empty={t('newTicket.chooseTenant')} items={tenantOptions(tenants.data?.filter((x) => x.writable))} />
            </select>
          </Field>
        )}
        {tenants.isError && <ErrorMessage error={tenants.error} />}
        {!isCustomer(me) && (
          <fieldset className="requester">
            <legend>{t('ticket.requester')}</legend>
            {requester ? <ChosenRequester requester={requester} onChange={() => setRequester(null)} /> : <RequesterPicker tenant={several ? tenant : undefined} disabled={!ready} onPick={setRequester} />}
          </fieldset>
        )}
        <Field label={t('ticket.helpTopic')}>
          <select name="helpTopicId" value={form.helpTopicId} onChange={set('helpTopicId')} disabled={!ready} required={(topics.data?.length ?? 0) > 0}>
            <Options empty={t('newTicket.chooseTopic')} items={choiceOptions(topics.data)} />
          </select>
        </Field>
        {topics.isError && <ErrorMessage error={topics.error} />}
        {!isCustomer(me) && (
          <Field label={t('ticket.priority')}>
            <select name="priorityId" value={form.priorityId} onChange={set('priorityId')} disabled={!ready}>
              <Options empty={t('ticket.none')} items={choiceOptions(priorities.data)} />
            </select>
          </Field>
        )}
        <Field label={t('ticket.subject')}>
          <input name="subject" required maxLength={500} value={form.subject} onChange={set('subject')} />
        </Field>
        {(suggestions.data?.items.length ?? 0) > 0 && (
          <section className="card kb-suggestions" aria-live="polite">
            <h2>{t('kb.suggestions')}</h2>
            <ul className="kb-list">
              {suggestions.data!.items.map((a) => (
                <li key={a.id}>
                  <a href={`/kb/${a.slug}`} target="_blank" rel="noreferrer">
                    {a.title}
                  </a>
                  {a.summary && <p className="muted">{a.summary}</p>}
                  <button type="button" className="button" disabled={deflect.isPending} onClick={() => solved(a.id)}>
                    {t('kb.solved')}
                  </button>
                </li>
              ))}
            </ul>
            {deflect.isError && <ErrorMessage error={deflect.error} />}
          </section>
        )}
        <Field label={t('ticket.message')}>
          <textarea name="message" required rows={8} value={form.message} onChange={set('message')} />
        </Field>
        <FileInput files={files} onChange={setFiles} />
        {create.isError && <ErrorMessage error={create.error} />}
        <button type="submit" className="button" disabled={create.isPending || !ready}>
          {t('newTicket.submit')}
        </button>
      </form>
    </div>
  );
}
