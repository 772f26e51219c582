import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.tsx';
import { isoToText, textToIso } from './date-text.ts';

type DateInputProps = {
  id?: string;
  name: string;
  /** ISO: `2026-12-31`, or `2026-12-31T14:30` with `withTime`; '' for none. */
  value: string;
  onChange: (iso: string) => void;
  withTime?: boolean;
  required?: boolean;
  'aria-describedby'?: string;
};

/**
 * A date (and time) typed day first, in the reader's words (see date-text.ts), instead of the
 * browser's date input and its locale. A text that is no date yet is kept as typed, marked
 * invalid, and changes nothing until it is one.
 */
export function DateInput({ id, name, value, onChange, withTime = false, required, 'aria-describedby': describedBy }: DateInputProps) {
  const { t } = useI18n();
  const [text, setText] = useState(() => isoToText(value));
  // A value set from outside (a saved ticket, the page's address) replaces what was typed.
  useEffect(() => {
    if (textToIso(text, withTime) !== value) setText(isoToText(value));
  }, [value]);
  const iso = textToIso(text, withTime);
  return (
    <input
      id={id}
      name={name}
      type="text"
      inputMode="numeric"
      autoComplete="off"
      className="date-input"
      placeholder={t(withTime ? 'date.dateTimePattern' : 'date.datePattern')}
      value={text}
      required={required}
      aria-invalid={iso === null ? true : undefined}
      aria-describedby={describedBy}
      onChange={(event) => {
        setText(event.target.value);
        const next = textToIso(event.target.value, withTime);
        if (next !== null && next !== value) onChange(next);
      }}
    />
  );
}
