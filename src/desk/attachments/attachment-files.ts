import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tenantFilesDir } from '../../files/tenant-files.ts';

/** Where attachments are kept and how large one may be. */
export type AttachmentSettings = { readonly dataDir: string; readonly maxBytes: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The file of an attachment: under its tenant's directory (so tenant export, import and delete
 * carry it), named by the attachment's random id, never by anything the uploader sent.
 */
export function attachmentPath(settings: Pick<AttachmentSettings, 'dataDir'>, tenantId: number, id: string): string {
  if (!UUID.test(id)) throw new Error(`Not an attachment id: ${id}`);
  return join(tenantFilesDir(settings.dataDir, tenantId), 'attachments', id);
}

/**
 * Runs a unit of work that writes attachment files: `write` stores one and remembers it, and if
 * the work fails (the row's transaction rolls back) every file it wrote is removed again, so a
 * refused or failed request leaves neither a row nor a file behind.
 */
export async function writingFiles<T>(work: (write: (path: string, data: Buffer) => Promise<void>) => Promise<T>): Promise<T> {
  const written: string[] = [];
  const write = async (path: string, data: Buffer) => {
    await mkdir(dirname(path), { recursive: true });
    written.push(path);
    // 'wx': a fresh random id never names an existing file; if it ever did, fail rather than overwrite.
    await writeFile(path, data, { flag: 'wx' });
  };
  try {
    return await work(write);
  } catch (error) {
    await Promise.all(written.map((path) => rm(path, { force: true })));
    throw error;
  }
}

/** A file name safe to store and show: no directories, no control characters, at most 255 characters. */
export function cleanFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 255);
  return cleaned && cleaned !== '.' && cleaned !== '..' ? cleaned : 'attachment';
}

/** A media type as stored and served: `type/subtype` from the sender, or a neutral default. */
export function cleanContentType(value: string | undefined): string {
  const type = (value ?? '').split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(type) ? type : 'application/octet-stream';
}

/*
 * Types a browser shows without running anything. Any other type (HTML, SVG, XML, script, and the
 * unknown) is served as bytes: even with `Content-Disposition: attachment` and `nosniff`, a type a
 * browser can run must never reach it from our origin (a viewer that ignores the disposition, a
 * future browser quirk). The stored type is kept as sent and listed by the API.
 */
const PASSIVE_TYPES = /^(image\/(png|jpeg|gif|webp|bmp|tiff|avif|heic)|audio\/[a-z0-9.+-]+|video\/[a-z0-9.+-]+|text\/(plain|csv|calendar)|application\/(pdf|zip|gzip|x-7z-compressed|x-tar|octet-stream|msword|rtf|vnd\.ms-[a-z0-9.+-]+|vnd\.openxmlformats-officedocument\.[a-z0-9.+-]+|vnd\.oasis\.opendocument\.[a-z0-9.+-]+)|message\/rfc822)$/;

/** The Content-Type a stored file is downloaded with: its own when passive, else `application/octet-stream`. */
export function servedContentType(stored: string): string {
  return PASSIVE_TYPES.test(stored) ? stored : 'application/octet-stream';
}

/**
 * `Content-Disposition: attachment` with an ASCII fallback name and the exact name in RFC 5987
 * form, so no name can break out of the header or be read as another parameter.
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
