import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import type { TenancySettings } from '../settings.ts';
import { updateTenant } from './update-tenant.ts';

/** What a tenant's administrators may change of how its pages look; null clears a value. */
export type BrandingInput = { name?: string; primaryColor?: string | null; logoUrl?: string | null };

const COLOUR = /^#[0-9a-f]{6}$/i;
const LOGO_DATA = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;
export const MAX_LOGO_LENGTH = 100_000;

/** Relative luminance of #rrggbb (WCAG 2.x). */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The brand colour carries white text (the top bar, buttons): it must meet WCAG AA, 4.5:1. */
function checkColour(colour: string): string {
  if (!COLOUR.test(colour)) throw new AppError('VALIDATION_FAILED', 'A colour is written #rrggbb, e.g. #1f4e79.', 'primaryColor');
  const ratio = 1.05 / (luminance(colour) + 0.05);
  if (ratio < 4.5) {
    throw new AppError('VALIDATION_FAILED', `White text on ${colour} has a contrast of ${ratio.toFixed(1)}:1; it needs at least 4.5:1 (WCAG AA): choose a darker colour.`, 'primaryColor');
  }
  return colour.toLowerCase();
}

/**
 * A logo is an image on this host (a path) or inside the branding (a data: URL). The pages' policy
 * loads images from this host only, and a remote image would tell a third party of every visit.
 */
function checkLogo(logo: string): string {
  const path = logo.startsWith('/') && !logo.startsWith('//') && !/[\s\\]/.test(logo);
  if (logo.length > MAX_LOGO_LENGTH || (!path && !LOGO_DATA.test(logo))) {
    throw new AppError('VALIDATION_FAILED', `A logo is a path on this host (/logo.png) or an image as a data: URL (PNG, JPEG, GIF, WebP or SVG, under ${MAX_LOGO_LENGTH / 1000} kB).`, 'logoUrl');
  }
  return logo;
}

/** The branding after `input`: given values checked, null removing one, other keys kept. */
export function nextBranding(current: Readonly<Record<string, unknown>>, input: BrandingInput): Record<string, unknown> {
  const branding: Record<string, unknown> = { ...current };
  const set = (key: 'primaryColor' | 'logoUrl', value: string | null | undefined, check: (v: string) => string) => {
    if (value === null) delete branding[key];
    else if (value !== undefined) branding[key] = check(value);
  };
  set('primaryColor', input.primaryColor, checkColour);
  set('logoUrl', input.logoUrl, checkLogo);
  return branding;
}

/** Changes a tenant's name and branding in the catalog (every process sees it as soon as it commits). */
export async function updateBranding(database: Database, settings: TenancySettings, tenant: { slug: string; branding: Readonly<Record<string, unknown>> }, input: BrandingInput) {
  return updateTenant(database, settings, tenant.slug, { ...(input.name !== undefined ? { name: input.name } : {}), branding: nextBranding(tenant.branding, input) });
}
