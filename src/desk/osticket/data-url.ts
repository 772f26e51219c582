import { AppError } from '../../errors.ts';

/**
 * An RFC 2397 data URL (`data:[<type>][;charset=<c>][;base64],<data>`), as osTicket's API takes
 * attachments and, optionally, the message (`data:text/html,...`).
 */
export type DataUrl = { contentType: string; data: Buffer };

export function parseDataUrl(url: string, field: string): DataUrl {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) throw new AppError('VALIDATION_FAILED', `${field} must be a data URL (data:[type][;base64],content).`, field);
  const params = url.slice(5, comma).split(';').map((p) => p.trim());
  const base64 = params.includes('base64');
  const contentType = params[0] && params[0].includes('/') ? params[0].toLowerCase() : 'text/plain';
  const payload = url.slice(comma + 1);
  if (base64) {
    const compact = payload.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw new AppError('VALIDATION_FAILED', `${field} is not valid base64.`, field);
    return { contentType, data: Buffer.from(compact, 'base64') };
  }
  try {
    return { contentType, data: Buffer.from(decodeURIComponent(payload), 'utf8') };
  } catch {
    // A lone '%' that is no escape: osTicket clients often send the text as it is.
    return { contentType, data: Buffer.from(payload, 'utf8') };
  }
}
