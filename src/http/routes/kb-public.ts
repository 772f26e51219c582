import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import { anonymousReader, readerOf, type KbReader } from '../../desk/kb/kb-reader.ts';
import { recordKbEvent } from '../../desk/kb/kb-events.ts';
import { listKbCategories } from '../../desk/kb/kb-categories.ts';
import { findArticle, listArticles, type ArticleListQuery } from '../../desk/kb/read-articles.ts';
import { searchArticles } from '../../desk/kb/search-articles.ts';
import { listArticleFiles, readArticleFile } from '../../desk/kb/article-files.ts';
import type { AttachmentSettings } from '../../desk/attachments/attachment-files.ts';
import { AppError } from '../../errors.ts';
import { sendFile } from './attachments.ts';
import { tenantDatabases } from '../../identity/tenant-databases.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import { actorContext, assertSameOrigin, callerOf } from '../plugins/authenticate.ts';
import { articleFileShape, presentArticleFile, articleShape, categoryShape, hitShape, idOrSlugParams, idParams, items, presentArticle, presentCategory, presentHit, status, tags } from './kb-schemas.ts';

export type KbPublicOptions = { database: Database; shards: Shards; catalog: Catalog; settings: TenancySettings; trustProxy: boolean; publicScheme: 'http' | 'https'; attachments?: AttachmentSettings | undefined };

/**
 * The knowledge base's reading routes, at every tenant's host, with or without sign-in: a signed-in
 * caller reads as its active role (kb-reader.ts), anyone else reads public articles alone.
 */
export async function kbPublicRoutes(app: FastifyInstance, options: KbPublicOptions): Promise<void> {
  async function readerFor(request: FastifyRequest): Promise<KbReader> {
    const catalog = options.catalog.snapshot();
    const base = { database: options.database, shards: options.shards, settings: options.settings, catalog, log: request.log };
    const hasCredential = request.headers.authorization !== undefined || request.cookies.td_session !== undefined;
    const dbs = hasCredential ? await tenantDatabases(options.shards, catalog, request.tenant.id) : undefined;
    const caller = dbs ? await callerOf(request, options, dbs) : undefined;
    if (!caller || !dbs) return anonymousReader(base, request.tenant.id);
    // A vote sent with the session cookie must come from a page of this desk, as every cookie write.
    if (request.method !== 'GET' && !caller.bearer) assertSameOrigin(request, options);
    const ctx = await actorContext(options, dbs, caller.actor, request.log);
    return readerOf({ ...ctx, actor: caller.actor }, request.tenant.id);
  }

  app.get<{ Querystring: ArticleListQuery }>(
    '/api/v1/kb/articles',
    {
      schema: {
        tags,
        summary: 'The articles the caller may read (anonymous: public ones), newest first',
        querystring: {
          type: 'object',
          properties: { categoryId: { type: 'string', format: 'uuid' }, language: { type: 'string', maxLength: 20 }, status, translationsOf: { type: 'string', format: 'uuid' }, limit: { type: 'integer', minimum: 1, maximum: 500 } },
          additionalProperties: false,
        },
        response: { 200: items(articleShape) },
      },
    },
    async (request) => {
      const reader = await readerFor(request);
      return { items: (await listArticles(reader, request.query)).map((row) => presentArticle(reader, row)) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/kb/articles/:id',
    { schema: { tags, summary: 'One article by id or slug; another tenant’s, or one the caller may not read, is 404', params: idOrSlugParams, response: { 200: articleShape } } },
    async (request) => {
      const reader = await readerFor(request);
      const article = await findArticle(reader, request.params.id);
      // Readers' views are counted; agents opening an article to edit or quote it are not readers.
      if (reader.audience !== 'agent') await recordKbEvent(reader, { kind: 'view', article });
      return presentArticle(reader, article);
    },
  );

  app.get<{ Querystring: { q: string; language?: string; limit?: number; suggest?: boolean } }>(
    '/api/v1/kb/search',
    {
      schema: {
        tags,
        summary: 'Full-text search of the articles the caller may read, best first (suggest=true: as the customer types, not counted)',
        querystring: {
          type: 'object',
          properties: { q: { type: 'string', minLength: 1, maxLength: 200 }, language: { type: 'string', maxLength: 20 }, limit: { type: 'integer', minimum: 1, maximum: 50 }, suggest: { type: 'boolean' } },
          required: ['q'],
          additionalProperties: false,
        },
        response: { 200: items(hitShape) },
      },
    },
    async (request) => {
      const reader = await readerFor(request);
      const hits = await searchArticles(reader, request.query);
      return { items: hits.map((hit) => presentHit(reader, hit)) };
    },
  );

  app.get(
    '/api/v1/kb/categories',
    { schema: { tags, summary: 'The categories the caller browses: its tenant’s, those above it and public ones', response: { 200: items(categoryShape) } } },
    async (request) => {
      const reader = await readerFor(request);
      return { items: (await listKbCategories(reader)).map((row) => presentCategory(reader, row)) };
    },
  );

  app.post<{ Params: { id: string }; Body: { helpful: boolean } }>(
    '/api/v1/kb/articles/:id/feedback',
    {
      schema: {
        tags,
        summary: '“Was this helpful?”: counted for the tenant of this host',
        params: idParams,
        body: { type: 'object', properties: { helpful: { type: 'boolean' } }, required: ['helpful'], additionalProperties: false },
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const reader = await readerFor(request);
      const article = await findArticle(reader, request.params.id);
      await recordKbEvent(reader, { kind: 'feedback', article, helpful: request.body.helpful });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: { id: string }; Body: { subject?: string } }>(
    '/api/v1/kb/articles/:id/deflection',
    {
      schema: {
        tags,
        summary: '“This solved my problem”: the ticket being written is dropped, and the deflection counted',
        params: idParams,
        body: { type: 'object', properties: { subject: { type: 'string', maxLength: 200 } }, additionalProperties: false },
        response: { 204: { type: 'null' } },
      },
    },
    async (request, reply) => {
      const reader = await readerFor(request);
      const article = await findArticle(reader, request.params.id);
      await recordKbEvent(reader, { kind: 'deflection', article, ...(request.body?.subject ? { query: request.body.subject } : {}) });
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/kb/articles/:id/files',
    { schema: { tags, summary: 'The files of an article the caller reads; another tenant’s, or one not visible to the caller, is 404', params: idOrSlugParams, response: { 200: items(articleFileShape) } } },
    async (request) => ({ items: (await listArticleFiles(await readerFor(request), request.params.id)).map(presentArticleFile) }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/kb/files/:id',
    { schema: { tags, summary: 'Download a file of an article the caller reads (always as an attachment, never rendered)', params: idParams } },
    async (request, reply) => {
      if (!options.attachments) throw new AppError('SERVICE_UNAVAILABLE', 'This server keeps no files: it was started without a data directory.');
      const { file, path, size } = await readArticleFile(await readerFor(request), options.attachments, request.params.id);
      return sendFile(reply, { filename: file.filename as string, contentType: file.content_type as string, size, path });
    },
  );
}
