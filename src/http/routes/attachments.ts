import { createReadStream } from 'node:fs';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addAttachment, type NewAttachment } from '../../desk/attachments/add-attachment.ts';
import { contentDisposition, servedContentType, type AttachmentSettings } from '../../desk/attachments/attachment-files.ts';
import { listAttachments, readAttachment } from '../../desk/attachments/read-attachment.ts';
import { AppError } from '../../errors.ts';
import { deskOf, presentRow } from '../desk-request.ts';
import { idParams, uuid } from './ticket-schemas.ts';

export type AttachmentRouteOptions = { attachments?: AttachmentSettings | undefined };

const tags = ['attachments'];

export const attachmentShape = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    ticketId: { type: 'string' },
    entryId: { type: 'string' },
    filename: { type: 'string' },
    contentType: { type: 'string' },
    size: { type: 'integer' },
    sha256: { type: 'string' },
    uploadedBy: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

const entryParams = { type: 'object', properties: { id: uuid, entryId: uuid }, required: ['id', 'entryId'], additionalProperties: false } as const;

/**
 * Upload (multipart/form-data, one part named `file`) and authorised download of attachments.
 * Multipart rather than base64 JSON: no third more bytes on the wire, and the size limit stops the
 * upload as soon as it is crossed instead of after a whole body was parsed.
 */
/**
 * The multipart parser reports a broken body (no closing boundary, bad part headers) as a bare
 * Error; that is the sender's mistake, not ours. Its own errors carry a status and pass through.
 */
async function malformedAsInvalid<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof AppError || typeof (error as { statusCode?: unknown }).statusCode === 'number') throw error;
    throw new AppError('VALIDATION_FAILED', 'The multipart/form-data body is malformed.', 'file');
  }
}

/** One file per request: a second part is refused (nothing is written yet), never silently dropped. */
async function assertLastPart(next: () => Promise<IteratorResult<unknown>>): Promise<void> {
  let more: boolean;
  try {
    more = !(await next()).done;
  } catch (error) {
    // The parser's own refusal of a part over the count (`parts: 1`).
    if (!/^FST_(PARTS|FILES|FIELDS)_LIMIT$/.test(String((error as { code?: unknown }).code))) throw error;
    more = true;
  }
  if (more) throw new AppError('VALIDATION_FAILED', 'Send one file per request: this one carries more than one part.', 'file');
}

/** The one file of a multipart/form-data body (part "file"), read whole within `maxBytes` (413 beyond). */
export async function readOneFile(request: FastifyRequest, maxBytes: number): Promise<NewAttachment> {
  const parts = request.parts({ limits: { fileSize: maxBytes } });
  const first = await malformedAsInvalid(() => parts.next());
  const part = first.done ? undefined : first.value;
  if (part?.type !== 'file') throw new AppError('VALIDATION_FAILED', 'Send the file as a multipart/form-data part named "file".', 'file');
  if (part.fieldname !== 'file') throw new AppError('VALIDATION_FAILED', 'The file part must be named "file".', 'file');
  // Over the limit this throws (413) before anything is written.
  const data = await malformedAsInvalid(() => part.toBuffer());
  await malformedAsInvalid(() => assertLastPart(() => parts.next()));
  return { filename: part.filename, contentType: part.mimetype, data };
}

/** A stored file as a download: always an attachment, never rendered, never cached by a shared cache. */
export function sendFile(reply: FastifyReply, file: { filename: string; contentType: string; size: number; path: string }): FastifyReply {
  return reply
    .header('content-type', servedContentType(file.contentType))
    .header('content-length', file.size)
    .header('content-disposition', contentDisposition(file.filename))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, no-store')
    .send(createReadStream(file.path));
}

export async function attachmentRoutes(app: FastifyInstance, options: AttachmentRouteOptions): Promise<void> {
  const settings = (): AttachmentSettings => {
    if (!options.attachments) throw new AppError('SERVICE_UNAVAILABLE', 'This server keeps no files: it was started without a data directory.');
    return options.attachments;
  };
  // Encapsulated: only these routes parse multipart bodies.
  await app.register(multipart, { limits: { files: 1, fields: 0, parts: 1, fileSize: options.attachments?.maxBytes ?? 0 } });

  app.post<{ Params: { id: string; entryId: string } }>(
    '/api/v1/tickets/:id/entries/:entryId/attachments',
    { schema: { tags, summary: 'Attach a file (multipart/form-data, part "file") to a reply or note', consumes: ['multipart/form-data'], params: entryParams, response: { 201: attachmentShape } } },
    async (request, reply) => {
      const limits = settings();
      const file = await readOneFile(request, limits.maxBytes);
      const attachment = await addAttachment(deskOf(request), limits, request.params.id, request.params.entryId, file);
      return reply.status(201).send(presentRow(request, attachment));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/tickets/:id/attachments',
    { schema: { tags, summary: "The files of the ticket's entries the caller may read", params: idParams, response: { 200: { type: 'object', properties: { items: { type: 'array', items: attachmentShape } } } } } },
    async (request) => ({ items: (await listAttachments(deskOf(request), request.params.id)).map((a) => presentRow(request, a)) }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/attachments/:id',
    { schema: { tags, summary: 'Download a file (always as an attachment, never rendered)', params: idParams } },
    async (request, reply) => {
      const { attachment, path, size } = await readAttachment(deskOf(request), settings(), request.params.id);
      return sendFile(reply, { filename: attachment.filename as string, contentType: attachment.content_type as string, size, path });
    },
  );
}
