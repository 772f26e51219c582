import type { Role } from '../../db/schema.ts';
import type { DeskContext } from '../../desk/desk-context.ts';
import { articleColumns } from '../../desk/kb/article-input.ts';
import { createArticle } from '../../desk/kb/create-article.ts';
import { createKbCategory, updateKbCategory } from '../../desk/kb/kb-categories.ts';
import { updateArticle } from '../../desk/kb/update-article.ts';
import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { inTransaction, listObjects } from '../../tenancy/data-access.ts';
import { rowDigest } from './import-ledger.ts';
import { emptyCounts, type ObjectCounts } from './import-report.ts';
import type { ImportRun } from './import-osticket.ts';
import type { SourceRow } from './osticket-source.ts';

/*
 * osTicket's FAQ into the knowledge base, through its own use cases (createKbCategory,
 * createArticle, updateArticle: slugs, sanitising, versions and audit as for an editor's article),
 * each with its ledger row in one unit of work; a rerun updates what changed and skips the rest.
 * They are written as the first imported osTicket administrator, the only author that can publish.
 */

type Kb = { run: ImportRun; desk: (tx: TenancyContext) => DeskContext };

export async function importFaq(run: ImportRun): Promise<void> {
  if (!run.source.has('faq') || !run.source.has('faq_category')) return;
  const kb = await knowledgeBaseDesk(run);
  await importCategories(run, kb);
  await importArticles(run, kb);
  await reportFaqExtras(run);
}

/** The desk context FAQ articles are written with: an imported administrator and the tenant-admin role. */
async function knowledgeBaseDesk(run: ImportRun): Promise<Kb | undefined> {
  const [admin] = await run.source.select<{ staff_id: number }>(`SELECT staff_id FROM ${run.source.t('staff')} WHERE isadmin = 1 AND isactive = 1 ORDER BY staff_id LIMIT 1`);
  const contactId = run.ledger.target('staff', admin?.staff_id);
  const [role] = await listObjects(run.ctx, 'role', { where: { tenant_id: null, slug: 'tenant-admin' }, limit: 1 });
  if (!contactId || !role) return undefined;
  return { run, desk: (tx) => ({ ...tx, actor: { contactId, kind: 'agent', activeRole: role as unknown as Role } }) };
}

async function importCategories(run: ImportRun, kb: Kb | undefined): Promise<void> {
  const rows = await run.source.select(`SELECT category_id, name, ispublic FROM ${run.source.t('faq_category')} ORDER BY category_id`);
  const counts = (run.report.objects['faq categories'] = emptyCounts(rows.length));
  const nameOf = (row: SourceRow) => String(row.name ?? '').trim().slice(0, 200);
  const problem = (row: SourceRow) => (nameOf(row) ? undefined : 'no name');
  await eachRow(run, kb, counts, rows, { table: 'faq_category', key: 'category_id', type: 'kbCategory', problem }, async (desk, row, existing) => {
    const name = nameOf(row);
    if (existing) return (await updateKbCategory(desk, existing, { name })).id as string;
    return (await createKbCategory(desk, { name, tenantId: run.options.tenantId })).id as string;
  });
}

async function importArticles(run: ImportRun, kb: Kb | undefined): Promise<void> {
  const rows = await run.source.select(
    `SELECT f.faq_id, f.category_id, f.ispublished, f.question, f.answer, f.keywords, c.ispublic
     FROM ${run.source.t('faq')} f LEFT JOIN ${run.source.t('faq_category')} c ON c.category_id = f.category_id ORDER BY f.faq_id`,
  );
  const counts = (run.report.objects['faq articles'] = emptyCounts(rows.length));
  const articleOf = (row: SourceRow) => ({
    title: String(row.question ?? '').trim().slice(0, 300),
    body: String(row.answer ?? ''),
    keywords: String(row.keywords ?? '').trim().slice(0, 1000),
    categoryId: run.ledger.target('faq_category', row.category_id) ?? null,
    visibility: faqVisibility(row),
  });
  // The knowledge base's own checks, so a dry run reports the same refusals as a real one.
  const problem = (row: SourceRow) => {
    try {
      articleColumns(articleOf(row));
      return undefined;
    } catch (error) {
      if (error instanceof AppError) return error.message;
      throw error;
    }
  };
  await eachRow(run, kb, counts, rows, { table: 'faq', key: 'faq_id', type: 'kbArticle', problem }, async (desk, row, existing) => {
    const article = articleOf(row);
    if (existing) return (await updateArticle(desk, existing, article)).id as string;
    return (await createArticle(desk, { ...article, status: 'published', tenantId: run.options.tenantId })).id as string;
  });
  counts.notes.push('published; visible to everyone when osTicket showed them to the public (a published FAQ of a public category), else to agents only');
}

/** osTicket shows a FAQ to clients when it is published (1, or 2: featured) in a public category; otherwise to staff only. */
export function faqVisibility(row: SourceRow): 'public' | 'agents' {
  return Number(row.ispublished) >= 1 && Number(row.ispublic) >= 1 ? 'public' : 'agents';
}

/** Each source row: skipped when unchanged, else written (created or updated) with its ledger row in one unit of work. */
async function eachRow(
  run: ImportRun,
  kb: Kb | undefined,
  counts: ObjectCounts,
  rows: readonly SourceRow[],
  { table, key, type, problem }: { table: string; key: string; type: 'kbCategory' | 'kbArticle'; problem: (row: SourceRow) => string | undefined },
  write: (desk: DeskContext, row: SourceRow, existing: string | undefined) => Promise<string>,
): Promise<void> {
  const known = await run.ledger.load(table);
  for (const row of rows) {
    const id = String(row[key]);
    const mine = known.get(id);
    const digest = rowDigest(row);
    const reason = mine?.digest === digest ? undefined : problem(row);
    if (mine?.digest === digest) counts.unchanged++;
    else if (reason) counts.unmapped.push({ id, reason });
    else if (run.options.dryRun) {
      if (mine) counts.updated++;
      else counts.created++;
    } else if (!kb) counts.unmapped.push({ id, reason: 'no active osTicket administrator was imported to author the knowledge base' });
    else {
      const written = await inTransaction(run.ctx, async (tx) => {
        const target = await write(kb.desk(tx), row, mine?.targetId);
        await run.ledger.record(tx, table, id, type, target, digest);
        return target;
      }, run.options.tenantId).catch((error: unknown) => {
        if (error instanceof AppError) counts.unmapped.push({ id, reason: error.message });
        else throw error;
        return undefined;
      });
      if (written && mine) counts.updated++;
      else if (written) counts.created++;
    }
  }
  counts.inTenant = run.options.dryRun ? counts.created + counts.updated + counts.unchanged : known.size;
}

/** FAQ help topics and attachments have no place in the knowledge base: counted and said so. */
async function reportFaqExtras(run: ImportRun): Promise<void> {
  if (run.source.has('faq_topic')) {
    const n = await run.source.count('faq_topic');
    if (n) (run.report.objects['faq help topics'] = emptyCounts(n)).notes.push('not imported: a knowledge-base article has no help topics to be linked to');
  }
  const n = await run.source.count('attachment', "type = 'F'");
  if (n) (run.report.objects['faq attachments'] = emptyCounts(n)).notes.push('not imported: knowledge-base articles have no attachments (the article text is imported)');
}
