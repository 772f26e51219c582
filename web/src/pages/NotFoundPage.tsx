import { Link } from 'react-router';
import { useI18n } from '../i18n/i18n.tsx';

/** What an address leads to when there is nothing there, or nothing this role may see. */
export function NotFoundPage({ what = 'page' }: { what?: 'page' | 'ticket' }) {
  const { t } = useI18n();
  return (
    <div className="narrow" data-testid="not-found">
      <h1>{t('notFound.title')}</h1>
      <p>{t(what === 'ticket' ? 'notFound.ticket' : 'notFound.page')}</p>
      <p>
        <Link to="/">{t('notFound.back')}</Link>
      </p>
    </div>
  );
}
