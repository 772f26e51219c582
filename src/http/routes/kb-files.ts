import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { AttachmentSettings } from '../../desk/attachments/attachment-files.ts';
import { addArticleFile } from '../../desk/kb/article-files.ts';
import { AppError } from '../../errors.ts';
import { deskOf } from '../desk-request.ts';
import { readOneFile } from './attachments.ts';
import { articleFileShape, idParams, presentArticleFile, tags } from './kb-schemas.ts';

/** Attaching a file to an article (signed in, `kb.write`); reading files is kb-public.ts's. */
export async function kbFileRoutes(app: FastifyInstance, options: { attachments?: AttachmentSettings | undefined }): Promise<void> {
  // Encapsulated: only this route parses multipart bodies.
  await app.register(multipart, { limits: { files: 1, fields: 0, parts: 1, fileSize: options.attachments?.maxBytes ?? 0 } });

  app.post<{ Params: { id: string } }>(
    '/api/v1/kb/articles/:id/files',
    { schema: { tags, summary: 'Attach a file (multipart/form-data, part "file") to an article; counted in the storage quota', consumes: ['multipart/form-data'], params: idParams, response: { 201: articleFileShape } } },
    async (request, reply) => {
      if (!options.attachments) throw new AppError('SERVICE_UNAVAILABLE', 'This server keeps no files: it was started without a data directory.');
      const file = await readOneFile(request, options.attachments.maxBytes);
      return reply.code(201).send(presentArticleFile(await addArticleFile(deskOf(request), options.attachments, request.params.id, file)));
    },
  );
}
