import type { ReactNode } from 'react';
import { NavLink, useParams } from 'react-router';
import { useTenant } from '../../api/queries.ts';
import type { Me } from '../../api/types.ts';
import { can } from '../../app/session.ts';
import { Loading } from '../../components/ErrorMessage.tsx';
import type { MessageKey } from '../../i18n/messages.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { NotFoundPage } from '../NotFoundPage.tsx';
import { BrandingScreen } from './BrandingScreen.tsx';
import { ConfigScreen, type ConfigResource } from './ConfigScreen.tsx';
import { ContactsScreen } from './ContactsScreen.tsx';
import { MailboxesScreen } from './MailboxesScreen.tsx';
import { SsoScreen } from './SsoScreen.tsx';
import { WebhooksScreen } from './WebhooksScreen.tsx';
import { MailTemplatesScreen } from './MailTemplatesScreen.tsx';
import { RolesScreen } from './RolesScreen.tsx';
import { TenancyStateScreen } from './sp/TenancyStateScreen.tsx';
import { TenantGroupsScreen } from './sp/TenantGroupsScreen.tsx';
import { TenantsScreen } from './sp/TenantsScreen.tsx';
import './admin.css';

const name = { name: 'name', label: 'admin.name', input: 'text', required: true } as const;

/** The configuration the API offers, each with the fields its forms need. */
const RESOURCES: ConfigResource[] = [
  { path: 'departments', title: 'admin.departments', label: 'name', fields: [name] },
  { path: 'teams', title: 'admin.teams', label: 'name', fields: [name] },
  { path: 'help-topics', title: 'admin.helpTopics', label: 'name', fields: [name] },
  {
    path: 'sla-plans',
    title: 'admin.slaPlans',
    label: 'name',
    fields: [
      name,
      { name: 'firstResponseMinutes', label: 'admin.firstResponseMinutes', input: 'minutes', required: false },
      { name: 'resolutionMinutes', label: 'admin.resolutionMinutes', input: 'minutes', required: true },
    ],
  },
  {
    path: 'canned-responses',
    title: 'admin.cannedResponses',
    label: 'title',
    fields: [
      { name: 'title', label: 'admin.title2', input: 'text', required: true },
      { name: 'bodyHtml', label: 'admin.body', input: 'longtext', required: true },
    ],
  },
  {
    path: 'macros',
    title: 'admin.macros',
    label: 'name',
    fields: [
      name,
      { name: 'bodyHtml', label: 'admin.macroReply', input: 'longtext', required: false },
      { name: 'setStatus', label: 'admin.macroStatus', input: 'status', required: false },
      { name: 'assignToMe', label: 'admin.macroAssignToMe', input: 'flag', required: false },
    ],
  },
  { path: 'categories', title: 'admin.categories', label: 'name', fields: [name, { name: 'parentId', label: 'admin.parentCategory', input: 'parentCategory', required: false }], deletable: false },
  { path: 'locations', title: 'admin.locations', label: 'name', fields: [name], deletable: false },
];

type Screen = { path: string; title: MessageKey; render: () => ReactNode };

function Tabs({ label, screens }: { label: string; screens: Screen[] }) {
  const { t } = useI18n();
  return (
    <nav className="tabs" aria-label={label}>
      <span className="tabs-label" aria-hidden="true">
        {label}
      </span>
      {screens.map((s) => (
        <NavLink key={s.path} to={`/admin/${s.path}`} className="tab">
          {t(s.title)}
        </NavLink>
      ))}
    </nav>
  );
}

/**
 * Administration: this help desk's configuration, contacts, roles, email and branding; and, for the
 * service provider's administrators at its host, the tenants, tenant groups and multi-tenancy state.
 */
export function AdminPage({ me }: { me: Me }) {
  const { t } = useI18n();
  const { resource = '' } = useParams();
  const tenant = useTenant();
  if (!tenant.data) return <Loading />;
  const info = tenant.data;
  const tenantScreens: Screen[] = [
    ...RESOURCES.map((r) => ({ path: r.path, title: r.title, render: () => <ConfigScreen key={r.path} me={me} resource={r} /> })),
    { path: 'contacts', title: 'admin.contacts', render: () => <ContactsScreen me={me} /> },
    { path: 'roles', title: 'admin.rolesTab', render: () => <RolesScreen me={me} /> },
    { path: 'email', title: 'admin.email', render: () => <MailboxesScreen me={me} /> },
    { path: 'sso', title: 'admin.sso', render: () => <SsoScreen me={me} /> },
    { path: 'webhooks', title: 'admin.webhooks', render: () => <WebhooksScreen me={me} /> },
    { path: 'mail-templates', title: 'admin.mailTemplates', render: () => <MailTemplatesScreen me={me} /> },
    { path: 'branding', title: 'admin.branding', render: () => <BrandingScreen key={info.slug} tenant={info} /> },
  ];
  // The catalog is the service provider's: offered at its host, to installation administrators.
  const spScreens: Screen[] =
    info.serviceProvider && can(me, 'admin.installation')
      ? [
          { path: 'tenants', title: 'sp.tenants', render: () => <TenantsScreen /> },
          { path: 'tenant-groups', title: 'sp.groups', render: () => <TenantGroupsScreen /> },
          { path: 'multi-tenancy', title: 'sp.state', render: () => <TenancyStateScreen /> },
        ]
      : [];
  const chosen = [...tenantScreens, ...spScreens].find((s) => s.path === resource);
  if (!chosen) return <NotFoundPage />;
  return (
    <>
      <h1>{t('admin.title')}</h1>
      <div className="admin-nav">
        <Tabs label={t('admin.tenantSection')} screens={tenantScreens} />
        {spScreens.length > 0 && <Tabs label={t('admin.spSection')} screens={spScreens} />}
      </div>
      {chosen.render()}
    </>
  );
}
