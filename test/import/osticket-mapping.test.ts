import assert from 'node:assert/strict';
import { it } from 'node:test';
import { entryHtml, prioritySlug, siteHost, siteSlug, sourceTime, statusState, storedFilePath, ticketSource } from '../../src/import/osticket/osticket-mapping.ts';
import { osticketVersion } from '../../src/import/osticket/osticket-version.ts';
import { parseMysqlUrl } from '../../src/net/mysql-source.ts';

it('knows osTicket 1.14 to 1.18 by schema signature, and nothing older', () => {
  assert.equal(osticketVersion('4bd47d94b10bd8a6bab35c119dadf41f'), '1.14');
  assert.equal(osticketVersion('5FB92BEF17F3B603659E024C01CC7A59'), '1.18');
  assert.equal(osticketVersion('00c949a6e8f84f4e7c0de1b2b1a8b6f2'), undefined);
});

it('maps status states, a Resolved status to resolved, and refuses an unknown state', () => {
  assert.deepEqual(statusState('open', 'Open'), { ok: true, value: 'open' });
  assert.deepEqual(statusState('closed', 'Resolved'), { ok: true, value: 'resolved' });
  assert.deepEqual(statusState('archived', 'Archived'), { ok: true, value: 'closed' });
  assert.equal(statusState('frozen', 'Frozen').ok, false);
});

it('maps priorities by name, else by urgency', () => {
  assert.deepEqual(prioritySlug(1, 'Emergency'), { ok: true, value: 'urgent' });
  assert.deepEqual(prioritySlug(2, 'Rush'), { ok: true, value: 'high' });
  assert.equal(prioritySlug(9, 'Someday').ok, false);
});

it('keeps plain text as escaped paragraphs and sanitises HTML', () => {
  assert.equal(entryHtml('a <b>\n\nc & d\ne', 'text'), '<p>a &lt;b&gt;</p><p>c &amp; d<br />e</p>');
  assert.equal(entryHtml('<p onclick="x()">hi<script>alert(1)</script></p>', 'html'), '<p>hi</p>');
});

it('reads osTicket times as UTC, its zero date as none', () => {
  assert.equal(sourceTime('2024-03-01 09:00:00'), '2024-03-01T09:00:00.000Z');
  assert.equal(sourceTime('0000-00-00 00:00:00'), null);
  assert.equal(sourceTime(null), null);
});

it('turns a site row into a slug and a host', () => {
  assert.deepEqual(siteSlug('Société Générale'), { ok: true, value: 'societe-generale' });
  assert.equal(siteSlug('!!!').ok, false);
  assert.deepEqual(siteHost('https://Desk.Acme.example/help/'), { ok: true, value: 'desk.acme.example' });
  assert.deepEqual(siteHost('acme.example'), { ok: true, value: 'acme.example' });
});

it('maps sources and storage paths, refusing a key that could leave the folder', () => {
  assert.equal(ticketSource('Email'), 'email');
  assert.equal(ticketSource('Other'), 'web');
  assert.equal(storedFilePath('/srv/files/', 'abc123'), '/srv/files/a/abc123');
  assert.equal(storedFilePath('/srv/files', '../etc'), undefined);
});

it('parses a mysql URL and refuses another scheme', () => {
  assert.deepEqual(parseMysqlUrl('mysql://ost:p%40ss@db.example:3307/ost_db'), { host: 'db.example', port: 3307, user: 'ost', password: 'p@ss', database: 'ost_db' });
  assert.throws(() => parseMysqlUrl('postgres://x@h/db'), /mysql:\/\//);
  assert.throws(() => parseMysqlUrl('mysql://x@h/'), /names no database/);
});
