import type { CatalogSnapshot } from '../../tenancy/catalog/snapshot.ts';
import type { Row } from '../../tenancy/data-access.ts';
import type { KbReader } from '../../desk/kb/kb-reader.ts';

/** The knowledge base's request and answer schemas, and how its rows are shown. */
export const tags = ['knowledge base'];

const uuid = { type: 'string', format: 'uuid' } as const;
const nullableUuid = { type: ['string', 'null'], format: 'uuid' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const slug = { type: 'string', pattern: '^[a-z0-9]+(-[a-z0-9]+)*$', maxLength: 120 } as const;
export const visibility = { type: 'string', enum: ['public', 'customers', 'agents'] } as const;
export const status = { type: 'string', enum: ['draft', 'published', 'archived'] } as const;
const language = { type: 'string', pattern: '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})?$' } as const;

export const idParams = { type: 'object', properties: { id: uuid }, required: ['id'], additionalProperties: false } as const;
/** An article by id, or by its slug (the portal's `/kb/:slug`). */
export const idOrSlugParams = { type: 'object', properties: { id: { anyOf: [uuid, slug] } }, required: ['id'], additionalProperties: false } as const;

const articleFields = {
  title: { type: 'string', minLength: 1, maxLength: 300 },
  body: { type: 'string', minLength: 1, maxLength: 200_000 },
  summary: { type: 'string', maxLength: 1000 },
  keywords: { type: 'string', maxLength: 1000 },
  slug,
  categoryId: nullableUuid,
  language,
  visibility,
  status,
  reviewerId: nullableUuid,
  translationOf: nullableUuid,
} as const;

export const newArticleBody = {
  type: 'object',
  properties: { ...articleFields, tenantId: { type: ['integer', 'null'] } },
  required: ['title', 'body', 'visibility'],
  additionalProperties: false,
} as const;

export const articleChangeBody = {
  type: 'object',
  properties: { ...articleFields, version: { type: 'integer', minimum: 1 } },
  minProperties: 1,
  additionalProperties: false,
} as const;

export const articleShape = {
  type: 'object',
  properties: {
    id: uuid,
    tenantId: { type: ['integer', 'null'] },
    tenant: { type: ['string', 'null'] },
    categoryId: nullableUuid,
    translationOf: nullableUuid,
    language: { type: 'string' },
    slug: { type: 'string' },
    title: { type: 'string' },
    summary: { type: 'string' },
    keywords: { type: 'string' },
    bodyHtml: { type: 'string' },
    status: { type: 'string' },
    visibility: { type: 'string' },
    authorId: nullableUuid,
    reviewerId: nullableUuid,
    version: { type: 'integer' },
    publishedAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: dateTime,
    updatedAt: dateTime,
  },
} as const;

export const hitShape = {
  type: 'object',
  properties: {
    id: uuid,
    title: { type: 'string' },
    summary: { type: 'string' },
    slug: { type: 'string' },
    language: { type: 'string' },
    visibility: { type: 'string' },
    score: { type: 'number' },
    tenant: { type: ['string', 'null'] },
  },
} as const;

export const categoryShape = {
  type: 'object',
  properties: { id: uuid, tenantId: { type: ['integer', 'null'] }, tenant: { type: ['string', 'null'] }, parentId: nullableUuid, name: { type: 'string' }, slug: { type: 'string' }, position: { type: 'integer' } },
} as const;

export const categoryBody = (required: string[]) =>
  ({
    type: 'object',
    properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, slug, parentId: nullableUuid, position: { type: 'integer', minimum: -1_000_000, maximum: 1_000_000 }, tenantId: { type: ['integer', 'null'] } },
    required,
    minProperties: 1,
    additionalProperties: false,
  }) as const;

export const items = (shape: object) => ({ type: 'object', properties: { items: { type: 'array', items: shape } } });

const slugOf = (catalog: CatalogSnapshot, tenantId: unknown) => (typeof tenantId === 'number' ? (catalog.byId.get(tenantId)?.slug ?? null) : null);
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

/** An article as the API shows it; who wrote and reviewed it is the agents' business alone. */
export function presentArticle(reader: KbReader, row: Row): Record<string, unknown> {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    tenant: slugOf(reader.ctx.catalog, row.tenant_id),
    categoryId: row.category_id,
    translationOf: row.translation_of,
    language: row.language,
    slug: row.slug,
    title: row.title,
    summary: row.summary,
    keywords: row.keywords,
    bodyHtml: row.body_html,
    status: row.status,
    visibility: row.visibility,
    ...(reader.audience === 'agent' ? { authorId: row.author_id, reviewerId: row.reviewer_id } : {}),
    version: row.version,
    publishedAt: iso(row.published_at) ?? null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function presentHit(reader: KbReader, row: Row & { score: number }): Record<string, unknown> {
  return { id: row.id, title: row.title, summary: row.summary, slug: row.slug, language: row.language, visibility: row.visibility, score: row.score, tenant: slugOf(reader.ctx.catalog, row.tenant_id) };
}

export function presentCategory(reader: KbReader, row: Row): Record<string, unknown> {
  return { id: row.id, tenantId: row.tenant_id, tenant: slugOf(reader.ctx.catalog, row.tenant_id), parentId: row.parent_id, name: row.name, slug: row.slug, position: row.position };
}

/** A file of an article, as listed (its download is GET /api/v1/kb/files/:id). */
export const articleFileShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    articleId: { type: 'string' },
    filename: { type: 'string' },
    contentType: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const presentArticleFile = (row: Row): Record<string, unknown> => ({
  id: row.id,
  articleId: row.article_id,
  filename: row.filename,
  contentType: row.content_type,
  size: row.size,
  sha256: row.sha256,
  createdAt: (row.created_at as Date).toISOString(),
});
