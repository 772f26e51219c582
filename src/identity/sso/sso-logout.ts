import type { TenantDatabases } from '../tenant-databases.ts';
import { endSessionUrl, oidcConfiguration, type OidcDeps } from './oidc-client.ts';

/**
 * Where the browser goes to end its session at the identity provider too (RP-initiated logout), for a
 * session opened through single sign-on whose provider offers it; else nothing. The local session
 * ends whatever happens here: a provider that cannot be reached only means no provider logout.
 */
export async function providerLogoutUrl(dbs: TenantDatabases, deps: OidcDeps, sessionId: string, returnTo: string): Promise<string | undefined> {
  const session = await dbs.tenant.system.selectFrom('sessions').select(['tenant_id', 'sso_connection_id', 'sso_id_token']).where('id', '=', sessionId).executeTakeFirst();
  if (!session?.sso_connection_id || !session.sso_id_token || session.tenant_id === null) return undefined;
  const connection = await dbs.tenant.system
    .selectFrom('sso_connections')
    .selectAll()
    .where('tenant_id', '=', session.tenant_id)
    .where('id', '=', session.sso_connection_id)
    .executeTakeFirst();
  if (!connection) return undefined;
  try {
    return endSessionUrl(await oidcConfiguration(connection, deps), session.sso_id_token, returnTo);
  } catch {
    return undefined;
  }
}
