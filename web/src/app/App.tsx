import { useEffect } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { KbArticlePage, KbPage } from '../pages/portal/KbPages.tsx';
import { KbEditorPage } from '../pages/agent/KbEditorPage.tsx';
import { useMe, useTenant } from '../api/queries.ts';
import { useLiveUpdates } from '../api/live-updates.ts';
import type { Me } from '../api/types.ts';
import { applyBranding } from '../components/branding.ts';
import { ErrorMessage, Loading } from '../components/ErrorMessage.tsx';
import { AdminPage } from '../pages/admin/AdminPage.tsx';
import { DashboardPage } from '../pages/agent/DashboardPage.tsx';
import { KbReportPage } from '../pages/agent/KbReportPage.tsx';
import { QueuePage } from '../pages/agent/QueuePage.tsx';
import { GuestStatusPage } from '../pages/portal/GuestStatusPage.tsx';
import { RateByLinkPage } from '../pages/portal/RateByLinkPage.tsx';
import { NewTicketPage } from '../pages/NewTicketPage.tsx';
import { NotFoundPage } from '../pages/NotFoundPage.tsx';
import { ForgotPasswordPage, ResetPasswordPage } from '../pages/PasswordResetPages.tsx';
import { PortalTicketsPage } from '../pages/portal/PortalTicketsPage.tsx';
import { SignInPage } from '../pages/SignInPage.tsx';
import { TicketPage } from '../pages/TicketPage.tsx';
import { Layout } from './Layout.tsx';
import { can, isCustomer } from './session.ts';

/** Which help desk this host is decides the branding; who is signed in decides the screens. */
export function App() {
  const tenant = useTenant();
  const me = useMe();
  useEffect(() => {
    if (tenant.data) applyBranding(tenant.data);
  }, [tenant.data]);

  if (tenant.isPending || me.isPending) return <Loading />;
  if (tenant.isError)
    return (
      <main className="page narrow">
        <h1>TenantDesk</h1>
        <ErrorMessage error={tenant.error} onRetry={() => void tenant.refetch()} />
      </main>
    );
  if (me.isError)
    return (
      <main className="page narrow">
        <ErrorMessage error={me.error} onRetry={() => void me.refetch()} />
      </main>
    );
  return (
    <Layout tenant={tenant.data} me={me.data ?? null}>
      {me.data ? <SignedInRoutes me={me.data} /> : <SignedOutRoutes />}
    </Layout>
  );
}

function SignedOutRoutes() {
  return (
    <Routes>
      <Route path="/status" element={<GuestStatusPage />} />
      <Route path="/kb" element={<KbPage />} />
      <Route path="/kb/:slug" element={<KbArticlePage />} />
      <Route path="/forgot-password" element={<ForgotPasswordPage />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route path="/rate/:token" element={<RateByLinkPage />} />
      <Route path="*" element={<SignInPage />} />
    </Routes>
  );
}

function SignedInRoutes({ me }: { me: Me }) {
  const home = isCustomer(me) ? '/tickets' : '/queue';
  useLiveUpdates(`${me.contact.id}:${me.activeRole.id}`);
  return (
    <Routes>
      <Route path="/" element={<Navigate to={home} replace />} />
      <Route path="/login" element={<Navigate to={home} replace />} />
      <Route path="/status" element={<GuestStatusPage />} />
      <Route path="/kb" element={<KbPage />} />
      <Route path="/kb/:slug" element={<KbArticlePage />} />
      <Route path="/kb-editor" element={isCustomer(me) || !can(me, 'kb.write') ? <Navigate to="/kb" replace /> : <KbEditorPage me={me} />} />
      <Route path="/reset-password" element={<ResetPasswordPage />} />
      <Route path="/rate/:token" element={<RateByLinkPage />} />
      <Route path="/tickets" element={isCustomer(me) ? <PortalTicketsPage /> : <Navigate to="/queue" replace />} />
      <Route path="/tickets/new" element={<NewTicketPage me={me} />} />
      <Route path="/tickets/:id" element={<TicketPage me={me} />} />
      <Route path="/queue" element={isCustomer(me) ? <Navigate to="/tickets" replace /> : <QueuePage me={me} />} />
      <Route path="/dashboard" element={isCustomer(me) ? <Navigate to="/tickets" replace /> : <DashboardPage me={me} />} />
      <Route path="/kb-report" element={isCustomer(me) || !can(me, 'report.read') ? <Navigate to="/tickets" replace /> : <KbReportPage me={me} />} />
      <Route path="/admin" element={<Navigate to="/admin/departments" replace />} />
      <Route path="/admin/:resource" element={<AdminPage me={me} />} />
      <Route path="*" element={<NotFoundPage />} />
    </Routes>
  );
}
