import type { ReactNode } from 'react';
import { Link, NavLink, useNavigate } from 'react-router';
import { useSignOut, useSwitchRole } from '../api/queries.ts';
import type { Me, TenantInfo } from '../api/types.ts';
import { ErrorMessage } from '../components/ErrorMessage.tsx';
import { useI18n, type Language } from '../i18n/i18n.tsx';
import { can, isCustomer } from './session.ts';
import { Options } from '../components/Options.tsx';

/** The frame of every page: the tenant's brand, navigation, role switcher, language, sign-out. */
export function Layout({ tenant, me, children }: { tenant: TenantInfo; me: Me | null; children: ReactNode }) {
  const { t, language, setLanguage } = useI18n();
  const navigate = useNavigate();
  const signOut = useSignOut();
  const switchRole = useSwitchRole();
  const admin = me && (can(me, 'admin.tenant') || can(me, 'admin.anything'));

  return (
    <>
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          {tenant.branding?.logoUrl ? (
            <img className="brand-logo" src={tenant.branding.logoUrl} alt="" />
          ) : (
            <span className="brand-mark" aria-hidden="true">
              {tenant.name.slice(0, 1)}
            </span>
          )}
          <span className="brand-name">{tenant.name}</span>
        </Link>
        {me && (
          <nav aria-label={t('app.menu')} className="nav">
            {isCustomer(me) ? (
              <NavLink to="/tickets" end>
                {t('nav.myTickets')}
              </NavLink>
            ) : (
              <NavLink to="/queue">{t('nav.queue')}</NavLink>
            )}
            {!isCustomer(me) && can(me, 'report.read') && <NavLink to="/dashboard">{t('nav.dashboard')}</NavLink>}
            <NavLink to="/tickets/new">{t('nav.newTicket')}</NavLink>
            <NavLink to="/kb">{t('nav.kb')}</NavLink>
            {!isCustomer(me) && can(me, 'kb.write') && <NavLink to="/kb-editor">{t('kb.editor')}</NavLink>}
            {!isCustomer(me) && can(me, 'report.read') && <NavLink to="/kb-report">{t('kb.report.nav')}</NavLink>}
            {admin && <NavLink to="/admin">{t('nav.admin')}</NavLink>}
          </nav>
        )}
        <div className="topbar-tools">
          {me && me.roles.length > 1 && (
            <label className="inline-field">
              <span>{t('app.role')}</span>
              <select
                value={me.activeRole.slug}
                disabled={switchRole.isPending}
                onChange={(event) => switchRole.mutate(event.target.value)}
              >
                <Options items={me.roles.map((role) => ({ value: role.slug, label: role.name }))} />
              </select>
            </label>
          )}
          <label className="inline-field">
            <span className="visually-hidden">{t('app.language')}</span>
            <select value={language} onChange={(event) => setLanguage(event.target.value as Language)} aria-label={t('app.language')}>
              <option value="en" lang="en">
                English
              </option>
              <option value="fr" lang="fr">
                Français
              </option>
            </select>
          </label>
          {me && (
            <>
              <span className="who" title={me.contact.email}>
                {t('app.signedInAs', { name: me.contact.name })}
                {me.roles.length <= 1 && <span className="muted"> · {me.activeRole.name}</span>}
              </span>
              <button type="button" className="button secondary small" onClick={() => signOut.mutate(undefined, { onSettled: () => navigate('/') })}>
                {t('app.signOut')}
              </button>
            </>
          )}
        </div>
      </header>
      {switchRole.isError && (
        <div className="page">
          <ErrorMessage error={switchRole.error} />
        </div>
      )}
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
