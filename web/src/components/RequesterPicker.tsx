import { useEffect, useState, type KeyboardEvent } from 'react';
import { useAddRequester, useRequesterSearch, type Requester } from '../api/requester-queries.ts';
import { useI18n } from '../i18n/i18n.tsx';
import { ErrorMessage } from './ErrorMessage.tsx';
import { Field } from './Field.tsx';
import './requester.css';

/** `value` once it has stopped changing for `ms`: a search sent when the typing pauses. */
function useSettled<T>(value: T, ms = 250): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** Enter in a field of the picker acts on the picker, never submits the form around it. */
const onEnter = (act: () => void) => (event: KeyboardEvent) => {
  if (event.key !== 'Enter') return;
  event.preventDefault();
  act();
};

/**
 * Chooses a ticket's requester among the contacts of its tenant (`tenant`: a slug, or undefined
 * for the caller's only tenant), or adds a new customer from an email address and optional name.
 * It lives inside other forms, so it has buttons and no form of its own.
 */
export function RequesterPicker({ tenant, disabled = false, onPick }: { tenant: string | undefined; disabled?: boolean; onPick: (requester: Requester) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const q = useSettled(text.trim());
  const found = useRequesterSearch(tenant, q, !disabled);
  const add = useAddRequester();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const addNew = () => {
    if (!email.trim()) return;
    add.mutate({ ...(tenant ? { tenant } : {}), email: email.trim(), ...(name.trim() ? { name: name.trim() } : {}) }, { onSuccess: onPick });
  };

  if (disabled) return <p className="muted">{t('requester.chooseTenantFirst')}</p>;
  return (
    <div className="requester-picker">
      <Field label={t('requester.find')} hint={t('requester.findHint')}>
        <input type="search" name="requesterSearch" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onEnter(() => found.data?.[0] && onPick(found.data[0]))} autoComplete="off" />
      </Field>
      {found.isError && <ErrorMessage error={found.error} />}
      {found.data && (
        <ul className="requester-results">
          {found.data.length === 0 && <li className="muted">{t('requester.none')}</li>}
          {found.data.map((r) => (
            <li key={r.id}>
              <button type="button" className="link-button" aria-label={t('requester.choose', { name: `${r.name} ${r.email}` })} onClick={() => onPick(r)}>
                <strong>{r.name}</strong> <span className="muted">{r.email}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <details className="requester-add">
        <summary>{t('requester.add')}</summary>
        <Field label={t('requester.newEmail')}>
          <input type="email" name="email" value={email} onChange={(e) => setEmail(e.target.value)} onKeyDown={onEnter(addNew)} autoComplete="off" />
        </Field>
        <Field label={t('requester.newName')}>
          <input name="name" value={name} onChange={(e) => setName(e.target.value)} onKeyDown={onEnter(addNew)} autoComplete="off" />
        </Field>
        {add.isError && <ErrorMessage error={add.error} />}
        <button type="button" className="button secondary" onClick={addNew} disabled={add.isPending || !email.trim()}>
          {t('requester.addSubmit')}
        </button>
      </details>
    </div>
  );
}

/** The chosen requester, with a way back to the picker. */
export function ChosenRequester({ requester, onChange }: { requester: Requester; onChange: () => void }) {
  const { t } = useI18n();
  return (
    <p className="requester-chosen">
      <span>{t('requester.chosen', { name: requester.name, email: requester.email })}</span>{' '}
      <button type="button" className="button secondary small" onClick={onChange}>
        {t('requester.change')}
      </button>
    </p>
  );
}
