import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ratingToken } from '../../src/desk/satisfaction/rating-link.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import type { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call, type Caller } from '../support/desk-app.ts';

/*
 * The rating link of a resolution mail (decision 0126): a token signed with MAIL_SECRET names one
 * resolution of one ticket; at its tenant's host it rates without signing in, once. Another
 * tenant's host, a forged or a foreign-key token: 404. Expired, or the ticket reopened: 410.
 */

const SECRET = 'a test MAIL_SECRET of at least 32 characters';
type Ticket = { id: string; version: number; resolvedAt: string };

forEachDatabase('satisfaction rating links', (db) => {
  let app: FastifyInstance;
  let as: (email: string) => Promise<Caller>;
  let call: (c: Call) => ReturnType<Caller>;
  let catalog: Catalog;
  const box = secretBox(SECRET);

  const resolvedTicket = async (): Promise<Ticket> => {
    const opened = (await (await as('customer@acme.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Rate me by mail', body: 'x' } })).json() as Ticket;
    const resolved = await (await as('agent@acme.test'))({ method: 'PATCH', url: `/api/v1/tickets/${opened.id}`, body: { status: 'resolved', version: opened.version } });
    assert.equal(resolved.statusCode, 200, resolved.body);
    return resolved.json();
  };
  const tokenOf = (ticket: Ticket, options: { tenant?: string; expiresAt?: Date; sign?: typeof box } = {}) =>
    ratingToken(options.sign ?? box, {
      tenantId: catalog.snapshot().bySlug.get(options.tenant ?? 'acme')!.id,
      ticketId: ticket.id,
      resolvedAt: new Date(ticket.resolvedAt),
      expiresAt: options.expiresAt ?? new Date(Date.now() + 86_400_000),
    });
  const link = (token: string, host = 'acme.localhost') => ({
    read: () => call({ host, url: `/api/v1/satisfaction-links/${token}` }),
    rate: (body: Record<string, unknown>) => call({ host, method: 'POST', url: `/api/v1/satisfaction-links/${token}`, body }),
  });

  before(async () => {
    ({ app, as, call, catalog } = await demoDeskApp(db(), { mailSecret: SECRET }));
  });
  after(async () => app?.close());

  it('rates the resolution a link names, without signing in, once', async () => {
    const ticket = await resolvedTicket();
    assert.ok(ticket.resolvedAt, 'the ticket shows when it was resolved');
    const mine = link(tokenOf(ticket));
    const shown = (await mine.read()).json() as { number: string | null; subject: string; rating: number | null };
    assert.deepEqual([shown.subject, shown.rating], ['Rate me by mail', null]);
    assert.match(shown.number ?? '', /\d/, 'named by its number');
    const rated = await mine.rate({ rating: 4, comment: 'Quick.' });
    assert.equal(rated.statusCode, 201, rated.body);
    assert.equal(rated.json().rating, 4);
    const again = await mine.rate({ rating: 1 });
    assert.deepEqual([again.statusCode, again.json().error.code], [409, 'RATING_LINK_USED']);
    const state = (await (await as('customer@acme.test'))({ url: `/api/v1/tickets/${ticket.id}/satisfaction` })).json();
    assert.deepEqual(state, { canRate: false, rating: 4, comment: 'Quick.' }, 'recorded as the requester’s rating');
    assert.equal((await mine.rate({ rating: 9 })).statusCode, 400);
  });

  it('records one of several ratings sent at once; the others are told it is rated already', async () => {
    const mine = link(tokenOf(await resolvedTicket()));
    const answers = await Promise.all([1, 2, 3, 4, 5, 1, 2, 3].map((rating) => mine.rate({ rating })));
    assert.equal(answers.filter((a) => a.statusCode === 201).length, 1, answers.map((a) => a.body).join('\n'));
    for (const refused of answers.filter((a) => a.statusCode !== 201)) {
      assert.deepEqual([refused.statusCode, refused.json().error], [409, { code: 'RATING_LINK_USED', message: 'This resolution has been rated already. Thank you!' }]);
    }
  });

  it('is 404 at another tenant’s host, forged or signed with another key; 410 once expired or reopened', async () => {
    const ticket = await resolvedTicket();
    const token = tokenOf(ticket);
    assert.equal((await link(token, 'globex.localhost').read()).statusCode, 404, 'a token of acme at globex’s host');
    assert.equal((await link(token, 'globex.localhost').rate({ rating: 5 })).statusCode, 404);
    assert.equal((await link(tokenOf(ticket, { tenant: 'globex' }), 'globex.localhost').read()).statusCode, 404, 'signed for globex, the ticket is acme’s');
    assert.equal((await link(tokenOf(ticket, { sign: secretBox('another secret of at least 32 characters!') })).read()).statusCode, 404);
    assert.equal((await link(`${token.slice(0, -3)}AAA`).read()).statusCode, 404);
    assert.equal((await link('sr.1.nothing.at.all.here').read()).statusCode, 404);

    const expired = await link(tokenOf(ticket, { expiresAt: new Date(Date.now() - 1000) })).rate({ rating: 5 });
    assert.deepEqual([expired.statusCode, expired.json().error.code], [410, 'RATING_LINK_EXPIRED']);
    const reopened = await (await as('customer@acme.test'))({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { status: 'open', version: ticket.version } });
    assert.equal(reopened.statusCode, 200, reopened.body);
    assert.equal((await link(token).rate({ rating: 5 })).statusCode, 410, 'the resolution it named is over');
  });
});
