import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fieldLabel, registerErrorReplies } from '../../src/http/error-reply.ts';

/** Fastify's own validator (ajv) against a route schema, with the app's error replies. */
describe('validation errors', () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false } } });
    registerErrorReplies(app);
    app.post(
      '/things',
      {
        schema: {
          body: {
            type: 'object',
            required: ['subject'],
            additionalProperties: false,
            properties: {
              subject: { type: 'string', minLength: 1, maxLength: 10 },
              departmentId: { type: 'string', format: 'uuid' },
              priority: { type: 'string', enum: ['low', 'high'] },
              count: { type: 'integer', minimum: 1 },
              email: { type: 'string', format: 'email' },
            },
          },
        },
      },
      async () => ({ ok: true }),
    );
    await app.ready();
  });
  after(() => app.close());

  const errorFor = async (body: object) => {
    const res = await app.inject({ method: 'POST', url: '/things', payload: body });
    assert.equal(res.statusCode, 400, res.body);
    return res.json().error as { code: string; message: string; field?: string };
  };

  it('says a missing field is required, in a sentence naming it', async () => {
    assert.deepEqual(await errorFor({}), { code: 'VALIDATION_FAILED', message: 'Subject is required.', field: 'subject' });
  });

  it('words each kind of schema complaint for a person, never in the validator’s terms', async () => {
    const cases: [object, string, string][] = [
      [{ subject: '' }, 'Subject must not be empty.', 'subject'],
      [{ subject: 'x'.repeat(11) }, 'Subject must be at most 10 characters long.', 'subject'],
      [{ subject: 's', count: 'many' }, 'Count must be a whole number.', 'count'],
      [{ subject: 's', priority: 'extreme' }, 'Priority must be one of: low, high.', 'priority'],
      [{ subject: 's', count: 0 }, 'Count must be at least 1.', 'count'],
      [{ subject: 's', email: 'nope' }, 'Email must be an email address.', 'email'],
      [{ subject: 's', departmentId: 'nope' }, 'Department is not a valid uuid.', 'departmentId'],
      [{ subject: 's', colour: 'red' }, 'Colour is not a field this request accepts.', 'colour'],
    ];
    for (const [body, message, field] of cases) {
      const error = await errorFor(body);
      assert.deepEqual([error.message, error.field], [message, field], JSON.stringify(body));
      assert.doesNotMatch(error.message, /must have|must NOT|property '/);
    }
  });
});

it('turns an API field name into the words for it', () => {
  assert.equal(fieldLabel('subject'), 'Subject');
  assert.equal(fieldLabel('requesterId'), 'Requester');
  assert.equal(fieldLabel('customFields.due_at'), 'Due at');
  assert.equal(fieldLabel('businessHours'), 'Business hours');
});
