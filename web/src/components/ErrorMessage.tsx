import { useEffect, useId, useRef } from 'react';
import { ApiError } from '../api/client.ts';
import { errorKey, useI18n } from '../i18n/i18n.tsx';
import type { MessageKey } from '../i18n/messages.ts';
import { en } from '../i18n/messages.ts';

/** The words for an API field: its label where the interface has one, else the name split into words. */
export function fieldWords(field: string, t: (key: MessageKey) => string): string {
  // A path into a list (`partitions.0.any.1`) is named by the list; a nested object by its last name.
  const name = /\.\d/.test(field) ? field.split('.')[0]! : field.split('.').pop()!;
  const key = `field.${name}`;
  if (key in en) return t(key as MessageKey);
  return name.replace(/Id$|_id$/, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
}

/**
 * An API error as the person can act on it: a translated sentence for its code (a value already
 * taken is said so, not "someone changed this"), the server's own message (it names the rule), and
 * the field by its label. The control of that field in the same form is marked invalid, tied to
 * this message and focused, so the message reads next to the field it is about.
 * `codes` lets a screen say what a code means there (a refused sign-in is a wrong password).
 */
export function ErrorMessage({ error, onRetry, codes }: { error: unknown; onRetry?: () => void; codes?: Partial<Record<string, MessageKey>> }) {
  const { t } = useI18n();
  const id = useId();
  const ref = useRef<HTMLDivElement>(null);
  const apiError = error instanceof ApiError ? error : undefined;
  const field = apiError?.field;
  const words = field ? fieldWords(field, t) : undefined;
  const key = apiError ? (codes?.[apiError.code] ?? errorKey(apiError.code)) : undefined;
  const summary =
    apiError?.code === 'CONFLICT' && words && field !== 'version' ? t('error.taken', { field: words }) : key ? t(key) : t('error.title');
  const detail = error instanceof Error ? error.message : String(error);
  useEffect(() => {
    const control = field ? ref.current?.closest('form')?.querySelector<HTMLElement>(`[name="${CSS.escape(field)}"]`) : null;
    if (!control) return;
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-errormessage', id);
    control.focus();
    return () => {
      control.removeAttribute('aria-invalid');
      control.removeAttribute('aria-errormessage');
    };
  }, [field, id]);
  return (
    <div role="alert" className="alert alert-error" id={id} ref={ref} data-field={field}>
      <strong>{summary}</strong>
      {detail && detail !== summary && !codes?.[apiError?.code ?? ''] && <p>{detail}</p>}
      {words && <p className="muted">{t('error.fieldNamed', { field: words })}</p>}
      {onRetry && (
        <button type="button" className="button secondary" onClick={onRetry}>
          {t('error.retry')}
        </button>
      )}
    </div>
  );
}

export function Loading() {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" aria-live="polite">
      {t('app.loading')}
    </p>
  );
}

/** A one-line success notice, read out by screen readers. */
export function Notice({ children }: { children: React.ReactNode }) {
  return (
    <p className="alert alert-ok" role="status">
      {children}
    </p>
  );
}
