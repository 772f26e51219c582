import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isConnectionError, mapDatabaseError } from '../db/errors.ts';
import { AppError } from '../errors.ts';

/**
 * The one place errors become HTTP answers: `{"error": {"code", "message", "field"?}}`. Client
 * mistakes keep their specific code; anything unexpected is logged and answered as a bare 500.
 */
type SchemaError = { keyword: string; instancePath?: string; params?: Record<string, unknown>; message?: string };

const TYPE_WORDS: Record<string, string> = { string: 'text', number: 'a number', integer: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object', null: 'empty' };

/** `departmentId` -> `Department`, `custom.due_at` -> `Due at`: the words a person would use for a field. */
export function fieldLabel(field: string): string {
  const last = field.split('.').pop()!;
  const words = last.replace(/Id$|_id$/, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * A schema validator's complaint as a plain sentence naming the field ("Subject is required."),
 * never the validator's own wording ("must have required property 'subject'"), with the field's
 * API name in `field` so a form can show it beside the right control.
 */
export function validationError(error: SchemaError): AppError {
  const path = (error.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
  const params = error.params ?? {};
  const named = (params.missingProperty ?? params.additionalProperty) as string | undefined;
  const field = [path, named].filter(Boolean).join('.') || undefined;
  const label = field ? fieldLabel(field) : 'The request';
  const limit = params.limit as number | undefined;
  const sentence = ((): string => {
    switch (error.keyword) {
      case 'required':
        return `${label} is required.`;
      case 'additionalProperties':
        return `${label} is not a field this request accepts.`;
      case 'type':
        return `${label} must be ${String(params.type).split(',').map((type) => TYPE_WORDS[type] ?? type).join(' or ')}.`;
      case 'minLength':
        return limit === 1 ? `${label} must not be empty.` : `${label} must be at least ${limit} characters long.`;
      case 'maxLength':
        return `${label} must be at most ${limit} characters long.`;
      case 'minimum':
      case 'exclusiveMinimum':
        return `${label} must be at least ${limit}.`;
      case 'maximum':
      case 'exclusiveMaximum':
        return `${label} must be at most ${limit}.`;
      case 'minItems':
        return limit === 1 ? `${label} needs at least one item.` : `${label} needs at least ${limit} items.`;
      case 'maxItems':
        return `${label} takes at most ${limit} items.`;
      case 'enum':
        return `${label} must be one of: ${(params.allowedValues as unknown[] | undefined)?.join(', ') ?? 'the listed values'}.`;
      case 'const':
        return `${label} must be ${String(params.allowedValue)}.`;
      case 'format':
        return params.format === 'email' ? `${label} must be an email address.` : `${label} is not a valid ${String(params.format)}.`;
      case 'pattern':
        return `${label} is not in the expected form.`;
      default:
        return `${label} is not valid.`;
    }
  })();
  return new AppError('VALIDATION_FAILED', sentence, field);
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const mapped = mapDatabaseError(error);
  if (mapped) return mapped;
  if (isConnectionError(error)) return new AppError('DATABASE_UNAVAILABLE', 'The database cannot be reached right now. Try again shortly.');
  const e = error as FastifyError;
  if (e.validation && e.validation.length) return validationError(e.validation[0]!);
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
