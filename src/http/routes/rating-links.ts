import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import { linkState, rateByLink } from '../../desk/satisfaction/rate-by-link.ts';
import type { RatingInput } from '../../desk/satisfaction/rate-ticket.ts';
import { readRatingToken } from '../../desk/satisfaction/rating-link.ts';
import type { SecretBox } from '../../mail/secret-box.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import { assertSameOrigin } from '../plugins/authenticate.ts';
import { rateBody } from './satisfaction.ts';

export type RatingLinkRouteOptions = { database: Database; shards: Shards; catalog: Catalog; settings: TenancySettings; trustProxy: boolean; publicScheme: 'http' | 'https'; box: SecretBox | undefined };

const params = { type: 'object', properties: { token: { type: 'string', minLength: 10, maxLength: 200 } }, required: ['token'], additionalProperties: false } as const;
const stateShape = { type: 'object', properties: { number: { type: ['string', 'null'] }, subject: { type: 'string' }, rating: { type: ['integer', 'null'] } } } as const;

/**
 * The rating link of a resolution mail (decision 0126), at the tenant's host, without signing in:
 * the token is the only credential, and it names one resolution of one ticket of this host's tenant.
 */
export async function ratingLinkRoutes(app: FastifyInstance, options: RatingLinkRouteOptions): Promise<void> {
  // Tenant boundary: the host's tenant only, read and written for this one rating, with no role.
  const scoped = (request: FastifyRequest): TenancyContext => ({
    database: options.database,
    shards: options.shards,
    settings: options.settings,
    catalog: options.catalog.snapshot(),
    access: { read: [request.tenant.id], write: [request.tenant.id], writePublic: false },
    log: request.log,
  });
  const claimsOf = (request: FastifyRequest<{ Params: { token: string } }>) => readRatingToken(options.box, request.params.token, request.tenant.id);

  app.get<{ Params: { token: string } }>(
    '/api/v1/satisfaction-links/:token',
    { schema: { tags: ['portal'], summary: 'The ticket a rating link names and its rating, if given; 404 at another tenant’s host, 410 once expired', params, response: { 200: stateShape } } },
    async (request) => linkState(scoped(request), claimsOf(request)),
  );

  app.post<{ Params: { token: string }; Body: RatingInput }>(
    '/api/v1/satisfaction-links/:token',
    { schema: { tags: ['portal'], summary: 'Rate the resolution a link names (1-5, optional comment), once', params, body: rateBody, response: { 201: stateShape } } },
    async (request, reply) => {
      assertSameOrigin(request, options);
      const claims = claimsOf(request);
      const ctx = scoped(request);
      await rateByLink(ctx, claims, request.body);
      return reply.status(201).send(await linkState(ctx, claims));
    },
  );
}
