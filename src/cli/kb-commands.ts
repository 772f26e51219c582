import { readFile } from 'node:fs/promises';
import { AppError } from '../errors.ts';
import type { Role } from '../db/schema.ts';
import type { AdminOptions } from './admin-commands.ts';
import { admin, tenantId } from './admin-context.ts';
import type { Runtime } from './runtime.ts';

/**
 * The knowledge base from the command line (`kb list|show|export|import`), as the installation's
 * administrator: `--tenant <slug>` names the tenant, `--public` the service provider's public
 * articles. Export writes JSON lines (one article a line: what import reads back); import writes
 * each as a new article, by the contact `--author` names, and leaves out a slug the tenant has.
 */
type AdminCommand = (rt: Runtime, options: AdminOptions) => Promise<string>;

const text = (o: AdminOptions, key: string): string | undefined => (typeof o[key] === 'string' && o[key] ? (o[key] as string) : undefined);

/** The articles' tenant: `--tenant <slug>` or `--public` (null), exactly one. */
async function scopeOf(rt: Runtime, o: AdminOptions): Promise<number | null> {
  const tenant = text(o, 'tenant');
  if (!tenant === !o.public) throw new AppError('VALIDATION_FAILED', 'Name the articles’ tenant with --tenant <slug>, or --public for the service provider’s public articles.', 'tenant');
  return tenant ? tenantId(rt, tenant) : null;
}

/** A reader of that tenant alone (or of the public articles alone) as an agent: every state and visibility. */
async function readerFor(rt: Runtime, scope: number | null) {
  const { readerOf } = await import('../desk/kb/kb-reader.ts');
  const ctx = await admin(rt);
  // Tenant boundary: the named tenant only, not every tenant the installation reads.
  const desk = { ...ctx, access: { read: scope === null ? [] : [scope], write: [], writePublic: false }, actor: { contactId: '', kind: 'agent' as const, activeRole: EDITOR } };
  return readerOf(desk, scope ?? ctx.catalog.serviceProvider?.id ?? 0);
}

/** The installation's own editing rights for an import: drafting, publishing. */
const EDITOR = { slug: 'installation', permissions: ['kb.write', 'kb.publish', 'ticket.note'] } as unknown as Role;

type ExportedArticle = { slug: string; language: string; title: string; summary: string; keywords: string; body: string; visibility: 'public' | 'customers' | 'agents'; status: 'draft' | 'published' | 'archived' };

const exported = (row: Record<string, unknown>): ExportedArticle => ({
  slug: String(row.slug),
  language: String(row.language),
  title: String(row.title),
  summary: String(row.summary),
  keywords: String(row.keywords),
  body: String(row.body_html),
  visibility: row.visibility as ExportedArticle['visibility'],
  status: row.status as ExportedArticle['status'],
});

export const kbCommands: Record<string, AdminCommand> = {
  'kb.list': async (rt, o) => {
    const { listArticles } = await import('../desk/kb/read-articles.ts');
    const scope = await scopeOf(rt, o);
    const rows = (await listArticles(await readerFor(rt, scope), { limit: 500 })).filter((r) => r.tenant_id === scope);
    return ['id\tslug\tlanguage\tstatus\tvisibility\ttitle', ...rows.map((r) => [r.id, r.slug, r.language, r.status, r.visibility, r.title].join('\t'))].join('\n');
  },
  'kb.show': async (rt, o) => {
    const { findArticle } = await import('../desk/kb/read-articles.ts');
    const scope = await scopeOf(rt, o);
    const row = await findArticle(await readerFor(rt, scope), String(o.article));
    if (row.tenant_id !== scope) throw new AppError('NOT_FOUND', 'This article was not found.');
    return JSON.stringify({ id: row.id, ...exported(row), version: row.version, updatedAt: (row.updated_at as Date).toISOString() }, null, 2);
  },
  'kb.export': async (rt, o) => {
    const { listArticles } = await import('../desk/kb/read-articles.ts');
    const scope = await scopeOf(rt, o);
    const rows = (await listArticles(await readerFor(rt, scope), { limit: 500 })).filter((r) => r.tenant_id === scope);
    return rows.map((r) => JSON.stringify(exported(r))).join('\n');
  },
  'kb.import': async (rt, o) => {
    const [{ createArticle }, { listObjects }] = await Promise.all([import('../desk/kb/create-article.ts'), import('../tenancy/data-access.ts')]);
    const scope = await scopeOf(rt, o);
    const email = text(o, 'author');
    if (!email) throw new AppError('VALIDATION_FAILED', 'Name the contact the articles are written by: --author <email>.', 'author');
    const ctx = await admin(rt);
    const [author] = await listObjects(ctx, 'contact', { where: { email: email.toLowerCase() }, limit: 1 });
    if (!author) throw new AppError('NOT_FOUND', `No contact with the email ${email}.`, 'author');
    const lines = (await readFile(String(o.file), 'utf8')).split('\n').filter((line) => line.trim());
    const desk = { ...ctx, actor: { contactId: author.id as string, kind: 'agent' as const, activeRole: EDITOR } };
    let written = 0;
    const skipped: string[] = [];
    for (const [i, line] of lines.entries()) {
      let article: ExportedArticle;
      try {
        article = JSON.parse(line) as ExportedArticle;
      } catch {
        throw new AppError('VALIDATION_FAILED', `Line ${i + 1} of ${String(o.file)} is not JSON: nothing after it was imported.`, 'file');
      }
      try {
        await createArticle(desk, { ...article, tenantId: scope });
        written++;
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'SLUG_TAKEN')) throw error;
        skipped.push(article.slug);
      }
    }
    return `${written} article(s) imported${skipped.length ? `; ${skipped.length} left out, their slug taken: ${skipped.join(', ')}` : ''}.`;
  },
};
