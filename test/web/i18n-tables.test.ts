import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ERROR_STATUS } from '../../src/errors.ts';
import type { TicketStatus } from '../../web/src/api/types.ts';
import { statusOptions } from '../../web/src/components/status-options.ts';
import { dateWords } from '../../web/src/i18n/date-words.ts';
import { en, fr } from '../../web/src/i18n/messages.ts';

it('has an English and a French sentence for every error code the API can return', () => {
  const missing = Object.keys(ERROR_STATUS).flatMap((code) =>
    [['en', en], ['fr', fr]].filter(([, table]) => !(`error.${code}` in (table as object))).map(([language]) => `${language}: error.${code}`),
  );
  assert.deepEqual(missing, []);
  for (const code of Object.keys(ERROR_STATUS)) {
    const key = `error.${code}` as keyof typeof en;
    assert.match(en[key], /^[A-Z].*[.!?]$/, `${key} is a sentence in English`);
    assert.match(fr[key], /^[A-ZÀ-Ý].*[.!?]$/, `${key} is a sentence in French`);
    assert.notEqual(en[key], fr[key], `${key} is translated`);
  }
});

it('does not head a refused sign-in with "sign in again"', () => {
  assert.doesNotMatch(en['error.signInFailed'], /again/);
  assert.match(en['error.signInFailed'], /password/);
});

it('offers statuses in workflow order, built-in ones in the reader’s language', () => {
  const status = (slug: string, name: string, state: TicketStatus['state'], position = 0): TicketStatus => ({ id: slug, slug, name, state, position, tenant: null });
  // As the API lists them: by name.
  const listed = [status('closed', 'Closed', 'closed'), status('on-hold', 'On hold', 'pending', 5), status('open', 'Open', 'open'), status('pending', 'Pending', 'pending'), status('resolved', 'Resolved', 'resolved')];
  const options = statusOptions(listed, (state) => fr[`state.${state}`]);
  assert.deepEqual(
    options.map((o) => [o.value, o.label]),
    [
      ['open', fr['state.open']],
      ['pending', fr['state.pending']],
      ['on-hold', 'On hold'],
      ['resolved', fr['state.resolved']],
      ['closed', fr['state.closed']],
    ],
  );
});

it('says a date input’s value in the reader’s words, whatever the browser draws', () => {
  assert.equal(dateWords('2026-12-07', 'fr'), 'lundi 7 décembre 2026');
  assert.equal(dateWords('2026-12-07', 'en'), 'Monday, 7 December 2026');
  assert.match(dateWords('2026-12-07T14:30', 'fr'), /^lundi 7 décembre 2026 .*14:30$/);
  assert.equal(dateWords('', 'fr'), '');
  assert.equal(dateWords('12/07/2026', 'en'), '');
});
