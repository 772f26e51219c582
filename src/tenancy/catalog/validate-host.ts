import { AppError } from '../../errors.ts';

/**
 * Normalises a host name as requests present it (lower-cased, port stripped) and accepts only
 * plain DNS names: letters, digits and hyphens in dot-separated labels. Anything else (SQL, unicode,
 * spaces, very long strings) is not a host of any tenant.
 */
export function normaliseHost(raw: string): string | undefined {
  if (raw.length > 300) return undefined;
  // A port beyond 65535 is no port: such a Host is malformed, not a spelling of a tenant's host.
  const port = /:(\d{1,5})$/.exec(raw.trim());
  if (port && Number(port[1]) > 65535) return undefined;
  const host = raw.trim().toLowerCase().replace(/:\d{1,5}$/, '').replace(/\.$/, '');
  const label = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
  if (host.length === 0 || host.length > 253) return undefined;
  return host.split('.').every((part) => label.test(part)) ? host : undefined;
}

export function requireHost(raw: string): string {
  const host = normaliseHost(raw);
  if (!host) throw new AppError('VALIDATION_FAILED', `"${raw.slice(0, 80)}" is not a valid host name.`, 'host');
  return host;
}
