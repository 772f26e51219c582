import type { TenantLimits } from '../config/config.ts';
import { AppError } from '../errors.ts';
import { setTenantQuotas, type TenantQuotaChange } from '../tenancy/catalog/tenant-quotas.ts';
import { tenantLimits } from '../tenancy/tenant-limits.ts';
import type { AdminOptions } from './admin-commands.ts';
import type { Runtime } from './runtime.ts';

/** CLI option → limit, and how a value is given: a number, or `default` to drop the tenant's own. */
const OPTIONS = { apiRate: 1, apiBurst: 1, mailPerHour: 1, storageMb: 1024 * 1024 } as const;

function change(options: AdminOptions): TenantQuotaChange {
  const out: TenantQuotaChange = {};
  for (const [option, unit] of Object.entries(OPTIONS) as [keyof typeof OPTIONS, number][]) {
    const raw = options[option];
    if (raw === undefined) continue;
    const key: keyof TenantLimits = option === 'storageMb' ? 'storageBytes' : option;
    const value = raw === 'default' ? null : Number(raw);
    if (value !== null && !(value > 0)) throw new AppError('VALIDATION_FAILED', `--${option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is a positive number, or "default".`, option);
    out[key] = value === null ? null : Math.round(value * unit);
  }
  return out;
}

function describe(limits: TenantLimits, own: Partial<TenantLimits> | undefined): string {
  const origin = (key: keyof TenantLimits) => (own?.[key] !== undefined ? 'own' : 'default');
  const value = (n: number, text: string) => (n > 0 ? text : 'no limit');
  return [
    `api-rate\t${value(limits.apiRate, `${limits.apiRate} requests/s`)}\t${origin('apiRate')}`,
    `api-burst\t${limits.apiBurst} requests\t${origin('apiBurst')}`,
    `mail-per-hour\t${value(limits.mailPerHour, `${limits.mailPerHour} messages`)}\t${origin('mailPerHour')}`,
    `storage\t${value(limits.storageBytes, `${Math.round(limits.storageBytes / 1024 / 1024)} MB`)}\t${origin('storageBytes')}`,
  ].join('\n');
}

/** `tenantdesk tenant quota <slug> [--api-rate n] [--api-burst n] [--mail-per-hour n] [--storage-mb n]`: sets, then shows. */
export async function tenantQuotaCommand(rt: Runtime, options: AdminOptions): Promise<string> {
  const slug = typeof options.slug === 'string' ? options.slug : '';
  await setTenantQuotas(rt.database, slug, change(options));
  const tenant = (await rt.catalog.refresh()).bySlug.get(slug);
  if (!tenant) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  return [`Limits of ${slug} (own: set for this tenant; default: the TENANT_* settings):`, describe(tenantLimits(rt.settings, tenant), tenant.limits)].join('\n');
}
