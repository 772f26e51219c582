import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isConnectionError, mapDatabaseError } from '../db/errors.ts';
import { AppError } from '../errors.ts';

/**
 * The one place errors become HTTP answers: `{"error": {"code", "message", "field"?}}`. Client
 * mistakes keep their specific code; anything unexpected is logged and answered as a bare 500.
 */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const mapped = mapDatabaseError(error);
  if (mapped) return mapped;
  if (isConnectionError(error)) return new AppError('DATABASE_UNAVAILABLE', 'The database cannot be reached right now. Try again shortly.');
  const e = error as FastifyError;
  if (e.validation && e.validation.length) {
    const first = e.validation[0]!;
    const path = (first.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
    const params = first.params as { missingProperty?: string; additionalProperty?: string } | undefined;
    const field = [path, params?.missingProperty ?? params?.additionalProperty].filter(Boolean).join('.') || undefined;
    if (params?.additionalProperty) return new AppError('VALIDATION_FAILED', `${field} is not a field this request accepts.`, field);
    return new AppError('VALIDATION_FAILED', `${field ?? 'The request'} ${first.message ?? 'is not valid'}.`, field);
  }
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AppError(e.statusCode === 429 ? 'RATE_LIMITED' : 'VALIDATION_FAILED', e.message);
  }
  return new AppError('INTERNAL', 'Something went wrong on our side; it has been logged.');
}

/**
 * Errors the router raises before any route runs (a malformed or over-long address); the default
 * answers are in another format and echo the whole address back.
 */
export function frameworkErrorReply(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const appError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new AppError('URI_TOO_LONG', 'A part of the address is too long.')
      : error.code === 'FST_ERR_BAD_URL'
        ? new AppError('VALIDATION_FAILED', 'The address is not valid.')
        : toAppError(error);
  void reply.status(appError.status).send(appError.toJSON());
}

export function registerErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error);
    // 503s are passing states (a database or shard out of reach, a tenant mid-move, a restart): a
    // warning, not an error each, or an outage would bury the logs; and say when to retry.
    if (appError.status === 503) {
      request.log.warn({ code: appError.code, cause: (error as Error).message }, 'request refused for now');
      reply.header('retry-after', '5');
    } else if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(appError.status).send(appError.toJSON());
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(new AppError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`).toJSON()),
  );
}
