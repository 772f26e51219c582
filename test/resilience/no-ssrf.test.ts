import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { forEachDatabase } from '../support/databases.ts';
import { multipartBody, type Caller } from '../support/desk-app.ts';
import { startCanary, type Canary } from './canary.ts';
import { mailDesk } from './mail-desk.ts';

/*
 * The server never fetches a URL found in user content: images, links, style sheets, CSS url(),
 * frames, external MIME bodies, osTicket "attachments" given as URLs. All of it points at a
 * loopback HTTP server that counts requests; through the API, the mail intake, the rendering of
 * mail-to-ticket threads and the mail sent from them, it must count none. (What a browser fetches
 * is the client's business, and the pages' CSP's: see xss-browser.test.ts.)
 */

/** HTML naming the canary in every way HTML can make something fetch. */
function urlsIn(c: string, where: string): string {
  return [
    `<p>See ${c}/${where}/plain-text-link and ![x](${c}/${where}/markdown.png)</p>`,
    `<img src="${c}/${where}/img.png" alt="remote"><img srcset="${c}/${where}/srcset.png 2x"><img src="//127.0.0.1:${new URL(c).port}/${where}/protocol-relative.png">`,
    `<a href="${c}/${where}/link">a link</a><a href="${c}/${where}/prefetch" rel="prefetch">prefetch</a>`,
    `<div style="background-image:url(${c}/${where}/css-url.png)">css</div>`,
    `<style>@import url(${c}/${where}/import.css); p { background: url('${c}/${where}/style.png') }</style>`,
    `<link rel="stylesheet" href="${c}/${where}/sheet.css"><link rel="preload" as="image" href="${c}/${where}/preload.png">`,
    `<iframe src="${c}/${where}/frame"></iframe><object data="${c}/${where}/object"></object><embed src="${c}/${where}/embed">`,
    `<video poster="${c}/${where}/poster.png" src="${c}/${where}/video.mp4"></video><audio src="${c}/${where}/audio.mp3"></audio>`,
    `<table background="${c}/${where}/table-bg.png"><tr><td>cell</td></tr></table><input type="image" src="${c}/${where}/input.png">`,
    `<svg><image href="${c}/${where}/svg-image.png"/></svg><base href="${c}/${where}/base/"><meta http-equiv="refresh" content="0;url=${c}/${where}/refresh">`,
  ].join('\n');
}

/** A mail from the demo customer: HTML and text alternatives, an external body, remote headers. */
function mailWithUrls(c: string, subject: string): Buffer {
  const lines = [
    'From: Acme Customer <customer@acme.test>',
    'To: support@acme.test',
    `Subject: ${subject} ${c}/mail/subject`,
    `Message-ID: <ssrf.${Date.now()}.${Math.random()}@customer.test>`,
    `List-Unsubscribe: <${c}/mail/unsubscribe>`,
    `X-Face-URL: ${c}/mail/face.png`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary="alt"',
    '',
    '--alt',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Plain text with a link: ${c}/mail/text-link`,
    '--alt',
    'Content-Type: text/html; charset=utf-8',
    `Content-Location: ${c}/mail/content-location`,
    `Content-Base: ${c}/mail/content-base/`,
    '',
    urlsIn(c, 'mail'),
    '--alt--',
    '--outer',
    `Content-Type: message/external-body; access-type=URL; URL="${c}/mail/external-body"`,
    '',
    'Content-Type: application/pdf',
    '',
    '--outer',
    'Content-Type: text/html; name="remote.html"',
    'Content-Disposition: attachment; filename="remote.html"',
    '',
    urlsIn(c, 'mail-attachment'),
    '--outer--',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

forEachDatabase('no SSRF: URLs in content are never fetched', (db) => {
  let canary: Canary;
  let desk: Awaited<ReturnType<typeof mailDesk>>;
  let customer: Caller;
  let agent: Caller;
  let admin: Caller;
  const receive = (raw: Buffer) => receiveMessage(desk.deps, { raw, transport: 'smtp', recipients: ['support@acme.test'] });

  before(async () => {
    canary = await startCanary();
    desk = await mailDesk(db());
    customer = await desk.as('customer@acme.test');
    agent = await desk.as('agent@acme.test');
    admin = await desk.as('admin@northwind.test');
  });
  after(async () => {
    await desk?.close();
    await canary?.close();
  });

  /** Gives any stray fetch time to arrive, then expects the canary to have heard nothing. */
  const assertNothingFetched = async (label: string) => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(canary.requests, [], `${label}: the server fetched a URL from content`);
  };

  it('refuses mail servers on loopback named through the API (the review of issue 18), storing nothing', async () => {
    const host = new URL(canary.origin).host;
    for (const body of [{ imapUrl: `imap://u:p@${host}/INBOX` }, { smtpUrl: `smtp://${host}` }, { imapUrl: `imap://u:p@localhost:${canary.port}/INBOX` }]) {
      const res = await admin({ method: 'POST', url: '/api/v1/mailboxes', body: { tenant: 'acme', address: 'ssrf@acme.test', ...body } });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(res.json().error.message, /is not allowed: .*loopback/);
    }
    assert.ok(!(await admin({ url: '/api/v1/mailboxes' })).json().mailboxes.some((m: { address: string }) => m.address === 'ssrf@acme.test'));
    await assertNothingFetched('mailbox hosts');
  });

  it('fetches nothing written through the API: tickets, replies, notes, names, canned responses, files', async () => {
    const c = canary.origin;
    const ticket = await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: `Look at ${c}/api/subject.png`, body: urlsIn(c, 'api-ticket') } });
    assert.equal(ticket.statusCode, 201, ticket.body);
    const id = ticket.json().id as string;
    for (const [caller, path] of [[agent, 'replies'], [agent, 'notes'], [customer, 'replies']] as const) {
      const res = await caller({ method: 'POST', url: `/api/v1/tickets/${id}/${path}`, body: { body: urlsIn(c, `api-${path}`) } });
      assert.equal(res.statusCode, 201, res.body);
    }
    const contact = await admin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: 'acme', kind: 'customer', email: 'urls@acme.test', name: `<img src="${c}/api/name.png">` } });
    assert.equal(contact.statusCode, 201, contact.body);
    const canned = await admin({ method: 'POST', url: '/api/v1/canned-responses', body: { tenantId: desk.acme, title: 'urls', bodyHtml: urlsIn(c, 'api-canned') } });
    assert.equal(canned.statusCode, 201, canned.body);
    const [entry] = ((await customer({ url: `/api/v1/tickets/${id}/thread` })).json().entries as { id: string; kind: string; bodyHtml: string }[]).filter((e) => e.kind === 'reply');
    assert.match(entry!.bodyHtml, new RegExp(`${c}/api-ticket/link`), 'the URL is kept in the body, as a link for people to follow');
    const { body, headers } = multipartBody('file', 'remote.html', 'text/html', Buffer.from(urlsIn(c, 'api-file')));
    const file = await customer({ method: 'POST', url: `/api/v1/tickets/${id}/entries/${entry!.id}/attachments`, body, headers });
    assert.equal(file.statusCode, 201, file.body);
    assert.equal((await agent({ url: `/api/v1/attachments/${file.json().id as string}` })).statusCode, 200);
    // Reading it all back renders nothing server-side.
    for (const url of [`/api/v1/tickets/${id}`, `/api/v1/tickets/${id}/thread`, '/api/v1/tickets?limit=50', `/api/v1/tickets/${id}/attachments`, '/api/v1/canned-responses']) {
      assert.equal((await agent({ url })).statusCode, 200, url);
    }
    await assertNothingFetched('API');
  });

  it("fetches nothing sent through osTicket's API, and takes only data: URLs as its attachments", async () => {
    const c = canary.origin;
    const key = await agent({ method: 'POST', url: '/api/v1/me/api-keys', body: { name: 'osticket' } });
    assert.equal(key.statusCode, 201, key.body);
    const osTicket = (url: string, body: string | object, type = 'application/json') =>
      desk.call({ method: 'POST', url, host: 'acme.localhost', headers: { 'x-api-key': key.json().key as string, 'content-type': type }, body });
    const json = { name: 'Remote', email: 'remote@customer.test', subject: `Remote ${c}/os/subject`, message: `data:text/html,${encodeURIComponent(urlsIn(c, 'os-json'))}` };
    const opened = await osTicket('/api/tickets.json', json);
    assert.equal(opened.statusCode, 201, opened.body);
    const byUrl = await osTicket('/api/tickets.json', { ...json, attachments: [{ 'remote.pdf': `${c}/os/attachment.pdf` }] });
    assert.equal(byUrl.statusCode, 400, 'an attachment given as a URL is refused, not downloaded');
    const email = await osTicket('/api/tickets.email', mailWithUrls(c, 'osTicket email'), 'message/rfc822');
    assert.equal(email.statusCode, 201, email.body);
    await assertNothingFetched("osTicket's API");
  });

  it('fetches nothing from mail taken in, its threads rendered, or the mail sent from them', async () => {
    const c = canary.origin;
    const [opened] = await receive(mailWithUrls(c, 'Remote content'));
    assert.equal(opened!.outcome, 'ticket', opened!.reason);
    // The requester answers with the ticket's number in the subject: it joins the thread.
    const [reply] = await receive(mailWithUrls(c, `Re: [${opened!.ticketNumber}] Remote content`));
    assert.equal(reply!.outcome, 'reply', reply!.reason);
    const thread = await agent({ url: `/api/v1/tickets/${opened!.ticketId}/thread` });
    assert.match(thread.body, new RegExp(`${c}/mail/link`), 'the links arrived');
    const answer = await agent({ method: 'POST', url: `/api/v1/tickets/${opened!.ticketId}/replies`, body: { body: urlsIn(c, 'mail-answer') } });
    assert.equal(answer.statusCode, 201, answer.body);
    assert.equal(await desk.send(), 0, 'every queued mail was sent');
    assert.ok(desk.relay.received.some((m) => m.parsed.to && JSON.stringify(m.parsed.to).includes('customer@acme.test')), 'the relay, which the configuration names, was used');
    await assertNothingFetched('mail');
  });
});
