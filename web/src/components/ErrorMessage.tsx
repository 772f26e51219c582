import { ApiError } from '../api/client.ts';
import { errorKey, useI18n } from '../i18n/i18n.tsx';

/**
 * An API error as the person can act on it: a short translated summary by code, the server's own
 * message (it names the rule or the field), and the field.
 */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const apiError = error instanceof ApiError ? error : undefined;
  const key = apiError ? errorKey(apiError.code) : undefined;
  const summary = key ? t(key) : t('error.title');
  const detail = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="alert alert-error">
      <strong>{summary}</strong>
      {detail && detail !== summary && <p>{detail}</p>}
      {apiError?.field && <p className="muted">{t('error.field', { field: apiError.field })}</p>}
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
