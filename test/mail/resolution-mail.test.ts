import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { addTenantHost } from '../../src/tenancy/catalog/tenant-hosts.ts';
import { mailDesk } from '../resilience/mail-desk.ts';
import { forEachDatabase } from '../support/databases.ts';
import { TEST_SECRET } from './mail-fixtures.ts';

/*
 * The resolution mail (decision 0135): a ticket resolved tells its requester, through the outbox and
 * the real SMTP relay, with the signed link that rates the resolution (decision 0126) at the
 * tenant's primary host, with the installation's public scheme and port.
 */
type Ticket = { id: string; version: number; number: string };

forEachDatabase('the resolution mail and its rating link', (db) => {
  let desk: Awaited<ReturnType<typeof mailDesk>>;
  // The front end as built: its index page is what `/rate/:token` opens.
  const webRoot = mkdtempSync(join(tmpdir(), 'td-rate-web-'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>TenantDesk</title><div id="root"></div>');

  const asCustomer = () => desk.as('customer@acme.test');
  const asAgent = () => desk.as('agent@acme.test');
  const open = async (subject: string): Promise<Ticket> => {
    const res = await (await asCustomer())({ method: 'POST', url: '/api/v1/tickets', body: { subject, body: 'It is broken.' } });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const patch = async (who: 'agent' | 'customer', ticket: Ticket, body: Record<string, unknown>): Promise<Ticket> => {
    const res = await (await (who === 'agent' ? asAgent() : asCustomer()))({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { ...body, version: ticket.version } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  /** The mail of `ticket` the relay received, after sending everything queued. */
  const mailsOf = async (ticket: Ticket) => {
    assert.equal(await desk.send(), 0, 'every send succeeded');
    return desk.relay.received.filter((m) => m.parsed.subject?.includes(ticket.number));
  };
  const linkIn = (mail: { parsed: { html?: string | false; text?: string } }): URL => {
    const found = /https?:\/\/[^\s"<>]+\/rate\/[^\s"<>]+/.exec(String(mail.parsed.html))?.[0];
    assert.ok(found, 'the mail carries a rating link');
    assert.ok(mail.parsed.text?.includes(found.replace(/&amp;/g, '&')), 'the text part carries it too');
    return new URL(found);
  };
  /** The rating page's API at the link's own host (the page `/rate/:token` reads it). */
  const api = (link: URL, host = link.host) => {
    const token = link.pathname.replace('/rate/', '');
    return {
      read: () => desk.call({ host, url: `/api/v1/satisfaction-links/${token}` }),
      rate: (rating: number) => desk.call({ host, method: 'POST', url: `/api/v1/satisfaction-links/${token}`, body: { rating } }),
    };
  };

  before(async () => {
    desk = await mailDesk(db(), { app: { mailSecret: TEST_SECRET, webRoot }, mail: { publicOrigin: { scheme: 'http', port: 8080 } } });
    // A second host, added later: links keep using the first one, the tenant's primary host.
    await addTenantHost(db(), 'acme', 'help.acme.localhost');
  });
  after(async () => {
    await desk?.close();
    rmSync(webRoot, { recursive: true, force: true });
  });

  it('mails the requester once per resolution, with a link that rates it at the tenant’s primary host', async () => {
    const ticket = await open('The printer jams');
    const resolved = await patch('agent', ticket, { status: 'resolved' });
    const [mail, ...others] = await mailsOf(ticket);
    assert.ok(mail, 'the resolution mail arrived');
    assert.equal(others.length, 0);
    assert.equal(mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.value[0]!.address : '', 'customer@acme.test');
    assert.match(mail.parsed.subject ?? '', /Resolved \/ Résolue/);
    assert.match(mail.parsed.text ?? '', /has been resolved[\s\S]*a été résolue/, 'said in English and in French');
    const link = linkIn(mail);
    assert.equal(link.origin, 'http://acme.localhost:8080', 'the tenant’s primary host, the installation’s scheme and port');
    assert.match(link.pathname, /^\/rate\/sr\./);
    const page = await desk.call({ host: link.host, url: link.pathname });
    assert.equal(page.statusCode, 200, 'the rating page opens at that host');
    assert.match(page.body, /<div id="root">/);

    const shown = await api(link).read();
    assert.equal(shown.statusCode, 200, shown.body);
    assert.equal(shown.json().subject, 'The printer jams');
    const rated = await api(link).rate(5);
    assert.equal(rated.statusCode, 201, rated.body);
    const state = (await (await asCustomer())({ url: `/api/v1/tickets/${ticket.id}/satisfaction` })).json();
    assert.equal(state.rating, 5, 'recorded as the requester’s rating');

    // Changes that are not a new resolution mail nothing: a priority, a closing.
    const edited = await patch('agent', resolved, { tags: ['printer'] });
    await patch('agent', edited, { status: 'closed' });
    assert.equal((await mailsOf(ticket)).length, 1, 'one mail for one resolution');
  });

  it('gives a reopened ticket resolved again a new link, and the first one no longer rates', async () => {
    const ticket = await open('No VPN');
    const resolved = await patch('agent', ticket, { status: 'resolved' });
    const first = linkIn((await mailsOf(ticket))[0]!);
    const reopened = await patch('customer', resolved, { status: 'open' });
    await patch('agent', reopened, { status: 'resolved' });
    const mails = await mailsOf(ticket);
    assert.equal(mails.length, 2, 'a mail for each resolution');
    const second = linkIn(mails[1]!);
    assert.notEqual(second.pathname, first.pathname, 'a new link');
    const stale = await api(first).rate(4);
    assert.deepEqual([stale.statusCode, stale.json().error.code], [410, 'RATING_LINK_EXPIRED']);
    assert.equal((await api(second).rate(4)).statusCode, 201);
  });

  it('does nothing at another tenant’s host, and refuses a tampered token with a clear error', async () => {
    const ticket = await open('Screen flickers');
    await patch('agent', ticket, { status: 'resolved' });
    const link = linkIn((await mailsOf(ticket))[0]!);
    for (const answer of [await api(link, 'globex.localhost').read(), await api(link, 'globex.localhost').rate(5)]) {
      assert.deepEqual([answer.statusCode, answer.json().error.code], [404, 'NOT_FOUND'], 'acme’s link names nothing at globex');
    }
    const mac = link.pathname.slice(-4);
    const tampered = new URL(link.href.replace(/.{4}$/, mac === 'AAAA' ? 'BBBB' : 'AAAA'));
    const refused = await api(tampered).rate(1);
    assert.equal(refused.statusCode, 404);
    assert.deepEqual(refused.json().error, { code: 'NOT_FOUND', message: 'This rating link is not valid here.' });
    const renamed = new URL(link.href.replace(/\/rate\/sr\.(\d+)\./, (_, id: string) => `/rate/sr.${Number(id) + 1}.`));
    assert.equal((await api(renamed).read()).statusCode, 404, 'another tenant id in the token breaks its signature');
    assert.equal((await api(link).read()).json().rating, null, 'nothing was recorded');
  });

  it('mails nothing for a ticket without a requester', async () => {
    const created = await (await asAgent())({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'Internal clean-up', body: 'Agents only.' } });
    assert.equal(created.statusCode, 201, created.body);
    const ticket = created.json() as Ticket & { requesterId: string | null };
    assert.equal(ticket.requesterId, null);
    await patch('agent', ticket, { status: 'resolved' });
    assert.equal((await mailsOf(ticket)).length, 0);
  });
});
