import type { TenantInfo } from '../api/types.ts';

/** Relative luminance of #rrggbb (WCAG 2). */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The contrast ratio of white text on #rrggbb (1 to 21). */
export const contrastWithWhite = (hex: string) => 1.05 / (luminance(hex) + 0.05);

/** Whether white text on this colour meets WCAG AA for normal text (4.5:1). */
export const readableOnWhiteText = (hex: string) => /^#[0-9a-f]{6}$/i.test(hex) && contrastWithWhite(hex) >= 4.5;

/**
 * The tenant's brand colour: the one its branding names when white text stays readable on it,
 * else a dark colour derived from its slug, so that each tenant's pages look distinct.
 */
export function brandColour(tenant: TenantInfo): string {
  const chosen = tenant.branding?.primaryColor;
  if (chosen && readableOnWhiteText(chosen)) return chosen;
  let hash = 0;
  for (const char of tenant.slug) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 60% 27%)`;
}

/** Applies the brand to the whole page (a CSS variable, allowed by the page's CSP) and its title. */
export function applyBranding(tenant: TenantInfo): void {
  document.documentElement.style.setProperty('--brand', brandColour(tenant));
  document.title = tenant.name;
}
