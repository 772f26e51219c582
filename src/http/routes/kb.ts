import type { FastifyInstance } from 'fastify';
import { diffArticleVersions, listArticleVersions } from '../../desk/kb/article-versions.ts';
import { createArticle, type NewArticle } from '../../desk/kb/create-article.ts';
import { createKbCategory, updateKbCategory, type CategoryInput } from '../../desk/kb/kb-categories.ts';
import { readerOf } from '../../desk/kb/kb-reader.ts';
import { deleteArticle } from '../../desk/kb/delete-article.ts';
import { updateArticle, type ArticleChange } from '../../desk/kb/update-article.ts';
import { deskOf } from '../desk-request.ts';
import { articleChangeBody, articleShape, categoryBody, categoryShape, idParams, items, newArticleBody, presentArticle, presentCategory, tags } from './kb-schemas.ts';

const dateTime = { type: 'string', format: 'date-time' } as const;
const versionShape = {
  type: 'object',
  properties: { id: { type: 'string' }, version: { type: 'integer' }, title: { type: 'string' }, summary: { type: 'string' }, keywords: { type: 'string' }, bodyHtml: { type: 'string' }, editedBy: { type: ['string', 'null'] }, createdAt: dateTime },
} as const;
const parts = { type: 'array', items: { type: 'object', properties: { op: { type: 'string', enum: ['same', 'added', 'removed'] }, text: { type: 'string' } } } } as const;
const diffShape = { type: 'object', properties: { from: { type: 'integer' }, to: { type: 'integer' }, title: parts, summary: parts, keywords: parts, body: parts } } as const;

/** The knowledge base's writing routes, and the history editors read: signed in only. */
export async function kbRoutes(app: FastifyInstance): Promise<void> {
  const readerOfRequest = (request: Parameters<typeof deskOf>[0]) => readerOf(deskOf(request), request.tenant.id);

  app.post<{ Body: NewArticle }>(
    '/api/v1/kb/articles',
    { schema: { tags, summary: 'A new article (a draft unless the role publishes); tenantId null: public, for roles writing public objects', body: newArticleBody, response: { 201: articleShape } } },
    async (request, reply) => {
      const article = await createArticle(deskOf(request), request.body);
      return reply.code(201).send(presentArticle(readerOfRequest(request), article));
    },
  );

  app.patch<{ Params: { id: string }; Body: ArticleChange }>(
    '/api/v1/kb/articles/:id',
    { schema: { tags, summary: 'Change an article; a change of its text is a new version (version: the one this change is based on)', params: idParams, body: articleChangeBody, response: { 200: articleShape } } },
    async (request) => presentArticle(readerOfRequest(request), await updateArticle(deskOf(request), request.params.id, request.body)),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/kb/articles/:id',
    { schema: { tags, summary: 'Delete an article and its history', params: idParams, response: { 204: { type: 'null' } } } },
    async (request, reply) => {
      await deleteArticle(deskOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/kb/articles/:id/versions',
    { schema: { tags, summary: 'An article’s saved versions, newest first', params: idParams, response: { 200: items(versionShape) } } },
    async (request) => {
      const versions = await listArticleVersions(readerOfRequest(request), request.params.id);
      return { items: versions.map((v) => ({ id: v.id, version: v.version, title: v.title, summary: v.summary, keywords: v.keywords, bodyHtml: v.body_html, editedBy: v.edited_by, createdAt: (v.created_at as Date).toISOString() })) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from: number; to: number } }>(
    '/api/v1/kb/articles/:id/diff',
    {
      schema: {
        tags,
        summary: 'What changed between two versions of an article',
        params: idParams,
        querystring: { type: 'object', properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } }, required: ['from', 'to'], additionalProperties: false },
        response: { 200: diffShape },
      },
    },
    async (request) => diffArticleVersions(readerOfRequest(request), request.params.id, request.query.from, request.query.to),
  );

  app.post<{ Body: CategoryInput & { name: string } }>(
    '/api/v1/kb/categories',
    { schema: { tags, summary: 'A new category (parentId: nested under another); tenantId null: public', body: categoryBody(['name']), response: { 201: categoryShape } } },
    async (request, reply) => reply.code(201).send(presentCategory(readerOfRequest(request), await createKbCategory(deskOf(request), request.body))),
  );

  app.patch<{ Params: { id: string }; Body: CategoryInput }>(
    '/api/v1/kb/categories/:id',
    { schema: { tags, summary: 'Rename, move or reorder a category', params: idParams, body: categoryBody([]), response: { 200: categoryShape } } },
    async (request) => presentCategory(readerOfRequest(request), await updateKbCategory(deskOf(request), request.params.id, request.body)),
  );
}
