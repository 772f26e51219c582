import { createHash, randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { createObject, findObject, inTransaction, listObjects, type Row } from '../../tenancy/data-access.ts';
import { assertWithinLimit, type NewAttachment } from '../attachments/add-attachment.ts';
import { attachmentPath, cleanContentType, cleanFilename, writingFiles, type AttachmentSettings } from '../attachments/attachment-files.ts';
import { chargeStorage } from '../attachments/storage-quota.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { auditArticle } from './update-article.ts';
import type { KbReader } from './kb-reader.ts';
import { findArticle } from './read-articles.ts';

const notFound = () => new AppError('NOT_FOUND', 'This file was not found.');

/** The tenant whose directory and quota hold a file of an article: its own, the service provider's for a public one. */
function storedUnder(ctx: TenancyContext, article: Row): number {
  const tenantId = (article.tenant_id as number | null) ?? ctx.catalog.serviceProvider?.id;
  if (tenantId === undefined) throw new AppError('SERVICE_UNAVAILABLE', 'Files of public articles are kept by the service provider, and there is none yet.');
  return tenantId;
}

/** Tenant boundary: a context reading the article's own tenant alone (public rows alone for a public article). */
const readingArticleTenant = (ctx: TenancyContext, article: Row): TenancyContext => ({
  ...ctx,
  access: { ...ctx.access, read: article.tenant_id === null ? [] : [article.tenant_id as number] },
});

/**
 * Attaches a file to an article the editor may change (its tenant written by the role; public
 * articles by roles writing public objects), through the attachment store and its quota.
 */
export async function addArticleFile(desk: DeskContext, settings: AttachmentSettings, articleId: string, file: NewAttachment): Promise<Row> {
  requireDeskPermission(desk, 'kb.write');
  assertWithinLimit(settings, file.data.length);
  const article = await findObject(desk, 'kbArticle', articleId);
  const owner = storedUnder(desk, article);
  return writingFiles((write) =>
    inTransaction(desk, async (tx) => {
      // The row first: the write rules refuse another tenant's or a public article before any byte is counted.
      const id = randomUUID();
      const row = await createObject(tx, 'kbArticleFile', {
        id,
        tenant_id: article.tenant_id,
        article_id: article.id,
        filename: cleanFilename(file.filename),
        content_type: cleanContentType(file.contentType),
        size: file.data.length,
        sha256: createHash('sha256').update(file.data).digest('hex'),
        uploaded_by: desk.actor.contactId,
      });
      await chargeStorage({ ...tx, access: { ...tx.access, write: [owner] } }, owner, file.data.length);
      await write(attachmentPath(settings, owner, id), file.data);
      await auditArticle(tx, article, 'file_added', { fileId: id, filename: row.filename, size: file.data.length });
      return row;
    }, article.tenant_id as number | null),
  );
}

/** The files of an article the reader may read; another tenant's article, or one the reader may not see, is NOT_FOUND. */
export async function listArticleFiles(reader: KbReader, articleIdOrSlug: string): Promise<Row[]> {
  const article = await findArticle(reader, articleIdOrSlug);
  return listObjects(readingArticleTenant(reader.ctx, article), 'kbArticleFile', { where: { article_id: article.id }, orderBy: 'created_at', limit: 200 });
}

/**
 * A file the reader may download, and where it is: exactly when the reader may read its article
 * (a customer never gets an agents-only article's file, nobody another tenant's). Every miss is
 * the same NOT_FOUND as an id that does not exist.
 */
export async function readArticleFile(reader: KbReader, settings: Pick<AttachmentSettings, 'dataDir'>, id: string): Promise<{ file: Row; path: string; size: number }> {
  let file: Row;
  try {
    // The file row through the reader's own tenants or the host's line, then its article as this reader sees it.
    const hostLine = { ...reader.ctx, access: { ...reader.ctx.access, read: reader.ctx.catalog.supertenants(reader.hostTenantId) } };
    file = await findObject(reader.ctx, 'kbArticleFile', id).catch(() => findObject(hostLine, 'kbArticleFile', id));
    const article = await findArticle(reader, file.article_id as string);
    if (article.tenant_id !== file.tenant_id) throw notFound();
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw notFound();
    throw error;
  }
  const path = attachmentPath(settings, storedUnder(reader.ctx, file), file.id as string);
  const found = await stat(path).catch(() => undefined);
  if (!found?.isFile()) throw new AppError('NOT_FOUND', 'The file of this article is missing from the data directory.');
  return { file, path, size: found.size };
}
