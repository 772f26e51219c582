import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isoToText, textToIso } from '../../web/src/components/date-text.ts';
import { inRoleOrder, publicName } from '../../web/src/i18n/choice-words.ts';
import { fr, type MessageKey } from '../../web/src/i18n/messages.ts';

it('writes a date day first and reads it back, with or without a time', () => {
  assert.equal(isoToText('2026-12-07'), '07/12/2026');
  assert.equal(isoToText('2026-12-07T14:30'), '07/12/2026 14:30');
  assert.equal(textToIso('07/12/2026', false), '2026-12-07');
  assert.equal(textToIso('7/12/2026 9:05', true), '2026-12-07T09:05');
  assert.equal(textToIso('7.12.2026 14h30', true), '2026-12-07T14:30');
  assert.equal(textToIso('07/12/2026', true), '2026-12-07T00:00');
  assert.equal(textToIso('  ', true), '');
});

it('refuses a day that does not exist, a US month-first date past the 12th, and a time where none is asked', () => {
  assert.equal(textToIso('31/02/2026', false), null);
  assert.equal(textToIso('12/31/2026', false), null);
  assert.equal(textToIso('07/12/2026 24:00', true), null);
  assert.equal(textToIso('07/12/2026 10:00', false), null);
  assert.equal(textToIso('2026-12-07', false), null);
});

it('says the public defaults in French, keeps a tenant’s own row as named, and orders roles by what they give', () => {
  const t = (key: MessageKey) => fr[key];
  assert.equal(publicName(t, 'Other request', null), 'Autre demande');
  assert.equal(publicName(t, 'Tenant administrator'), 'Administrateur du client');
  assert.equal(publicName(t, 'Other request', 'acme'), 'Other request');
  assert.equal(publicName(t, 'General question', null), 'General question');
  const roles = ['sp-admin', 'acme-lead', 'customer', 'tenant-admin', 'agent', 'sp-agent'].map((slug) => ({ slug, name: slug }));
  assert.deepEqual(inRoleOrder(roles).map((r) => r.slug), ['customer', 'agent', 'tenant-admin', 'sp-agent', 'sp-admin', 'acme-lead']);
});
