import { deleteObject, findObject, inTransaction } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { auditArticle } from './update-article.ts';

/** Deletes an article, its versions with it; an editor's decision (`kb.publish`). */
export async function deleteArticle(desk: DeskContext, id: string): Promise<void> {
  requireDeskPermission(desk, 'kb.publish');
  const current = await findObject(desk, 'kbArticle', id);
  await inTransaction(desk, async (tx) => {
    await deleteObject(tx, 'kbArticle', id);
    await auditArticle(tx, current, 'deleted', { title: current.title });
  }, current.tenant_id as number | null);
}
