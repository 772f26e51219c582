import type { FastifyError, FastifyInstance } from 'fastify';
import { mapDatabaseError } from '../db/errors.ts';
import { AppError } from '../errors.ts';

/**
 * The one place errors become HTTP answers: `{"error": {"code", "message", "field"?}}`. Client
 * mistakes keep their specific code; anything unexpected is logged and answered as a bare 500.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const mapped = mapDatabaseError(error);
  if (mapped) return mapped;
  const e = error as FastifyError;
  if (e.validation && e.validation.length) {
    const first = e.validation[0]!;
    const path = (first.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty;
    const field = [path, missing].filter(Boolean).join('.') || undefined;
    return new AppError('VALIDATION_FAILED', `${field ?? 'The request'} ${first.message ?? 'is not valid'}.`, field);
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode === 429 ? 'RATE_LIMITED' : 'VALIDATION_FAILED', e.message);
  }
  return new AppError('INTERNAL', 'Something went wrong on our side; it has been logged.');
}

export function registerErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(appError.status).send(appError.toJSON());
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`).toJSON()),
  );
}
