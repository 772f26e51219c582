import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors.ts';
import { checkCustomFields, parseCustomFieldDefinitions } from '../../src/desk/tickets/custom-fields.ts';
import { applyFilters, parseFilterRules, type TicketFilter } from '../../src/desk/tickets/ticket-filters.ts';
import { formatTicketNumber } from '../../src/desk/tickets/ticket-number.ts';
import { sanitizeBody } from '../../src/desk/sanitize.ts';

const filter = (over: Partial<TicketFilter>): TicketFilter => ({
  name: 'f',
  match: 'all',
  rules: [],
  reject: false,
  set_department_id: null,
  set_priority_id: null,
  set_assignee_id: null,
  set_team_id: null,
  add_tags: [],
  stop_processing: false,
  ...over,
});

const fieldOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof AppError);
    return error.field;
  }
  assert.fail('expected an error');
};

describe('ticket filters', () => {
  it('match all or any rules, case-insensitively', () => {
    const rules = parseFilterRules([
      { field: 'subject', op: 'contains', value: 'Invoice' },
      { field: 'requesterEmail', op: 'ends-with', value: '@vip.test' },
    ]);
    const subject = { subject: 'wrong INVOICE', requesterEmail: 'a@b.test' };
    assert.deepEqual(applyFilters([filter({ name: 'all', rules })], subject).applied, []);
    assert.deepEqual(applyFilters([filter({ name: 'any', match: 'any', rules })], subject).applied, ['any']);
  });

  it('let a later filter override an earlier one, and stop at a rejection or stop_processing', () => {
    const always = parseFilterRules([{ field: 'subject', op: 'not-equals', value: 'never' }]);
    const outcome = applyFilters(
      [
        filter({ name: 'a', rules: always, set_department_id: 'd1', add_tags: ['x'] }),
        filter({ name: 'b', rules: always, set_department_id: 'd2', add_tags: ['x', 'y'], stop_processing: true }),
        filter({ name: 'c', rules: always, reject: true }),
      ],
      { subject: 'hello' },
    );
    assert.deepEqual(outcome, { set: { department_id: 'd2' }, tags: ['x', 'y'], applied: ['a', 'b'] });
    const rejected = applyFilters([filter({ name: 'spam', rules: always, reject: true }), filter({ name: 'later', rules: always })], { subject: 'x' });
    assert.equal(rejected.rejectedBy, 'spam');
    assert.deepEqual(rejected.applied, ['spam']);
  });

  it('refuse rules on unknown fields or operators', () => {
    assert.equal(fieldOf(() => parseFilterRules([{ field: 'password', op: 'contains', value: 'x' }])), 'rules');
    assert.equal(fieldOf(() => parseFilterRules([{ field: 'subject', op: 'regex', value: '.*' }])), 'rules');
    assert.equal(fieldOf(() => parseFilterRules([])), 'rules');
  });
});

describe('custom fields', () => {
  const definitions = parseCustomFieldDefinitions([
    { name: 'asset_tag', label: 'Asset tag', type: 'text', required: true },
    { name: 'floor', label: 'Floor', type: 'number' },
    { name: 'os', label: 'OS', type: 'choice', choices: ['linux', 'windows'] },
  ]);

  it('accept values of the defined types', () => {
    assert.deepEqual(checkCustomFields(definitions, { asset_tag: 'A-1', floor: 2, os: 'linux' }), { asset_tag: 'A-1', floor: 2, os: 'linux' });
  });

  it('name the custom field that is missing, unknown or of the wrong type', () => {
    assert.equal(fieldOf(() => checkCustomFields(definitions, { floor: 2 })), 'customFields.asset_tag');
    assert.equal(fieldOf(() => checkCustomFields(definitions, { asset_tag: 'A', colour: 'red' })), 'customFields.colour');
    assert.equal(fieldOf(() => checkCustomFields(definitions, { asset_tag: 'A', floor: 'two' })), 'customFields.floor');
    assert.equal(fieldOf(() => checkCustomFields(definitions, { asset_tag: 'A', os: 'beos' })), 'customFields.os');
  });

  it('refuse definitions with duplicate names or choices on a non-choice field', () => {
    assert.equal(fieldOf(() => parseCustomFieldDefinitions([{ name: 'a', label: 'A', type: 'text' }, { name: 'a', label: 'B', type: 'text' }])), 'customFields');
    assert.equal(fieldOf(() => parseCustomFieldDefinitions([{ name: 'a', label: 'A', type: 'text', choices: ['x'] }])), 'customFields');
  });
});

describe('ticket numbers and bodies', () => {
  it('format numbers from the tenant slug, upper-cased, padded to six digits', () => {
    assert.equal(formatTicketNumber('acme', 42), 'ACME-000042');
    assert.equal(formatTicketNumber('acme-eu', 1234567), 'ACME-EU-1234567');
  });

  it('keep formatting and drop scripts, handlers and unsafe links', () => {
    assert.equal(sanitizeBody('<p onclick="x()">Hi <b>there</b><script>alert(1)</script></p>'), '<p>Hi <b>there</b></p>');
    assert.equal(sanitizeBody('<a href="javascript:alert(1)">x</a>'), '<a rel="noopener noreferrer nofollow">x</a>');
    assert.equal(sanitizeBody('<iframe src="https://evil.example"></iframe>'), '');
  });
});
