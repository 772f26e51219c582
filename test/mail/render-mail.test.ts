import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sanitizeBody } from '../../src/desk/sanitize.ts';
import { renderBody, renderMail } from '../../src/mail/render-mail.ts';

describe('images in outgoing mail', () => {
  const body = '<p>See <img src="http://tracker.example/p.gif?u=1" alt="pixel" width="1"> and <img src="cid:logo@x">.</p>';

  it('are kept in stored entries, where the web app shows them', () => {
    assert.match(sanitizeBody(body), /<img src="http:\/\/tracker\.example\/p\.gif\?u=1"/);
  });

  it('are left out of the mail we send, whether a template or a quoted message brought them', () => {
    assert.equal(renderBody(body, {}), '<p>See  and .</p>');
    const mail = renderMail({ subject: 'Re: {{ticket.subject}}', body: '<p>Hello</p>{{entry.body}}' }, { ticket: { subject: 'x' }, entry: { body } }, { name: 'Acme', color: '#1f4e79' });
    assert.doesNotMatch(mail.html, /<img|tracker\.example/);
    assert.match(mail.html, /<p>Hello<\/p><p>See  and \.<\/p>/, 'the rest of the message stays');
  });
});
