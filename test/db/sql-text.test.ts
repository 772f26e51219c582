import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

/*
 * No SQL text is built from strings outside the database layer (issue 18, class check): every
 * other file composes SQL with Kysely's builder or its `sql` tag, whose values travel as
 * parameters and whose names are quoted (`sql.id`, `sql.ref`, `sql.table`). A file that needs
 * more is listed below with the reason it is safe, and the list may only name files that need it.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Files allowed to build SQL text, each with why it is safe. Only in src/db and the data-access layer. */
const ALLOWED: Record<string, string> = {
  // Runs the migration files and the generated security script, texts of the repository only.
  'src/db/migrate.ts': 'sql.raw of migration files',
  // The scope statement is sent inline so that BEGIN can travel with it (deferred-begin.ts); its
  // values are a role name of ours, integer sets checked by `encode`, and on/off.
  'src/db/scope.ts': 'inline scope values: role names, integer sets, on/off',
  // ALTER ROLE ... PASSWORD and COMMENT ON take no parameters: a SCRAM verifier computed here
  // (base64 and `$:`) and a database name, both quoted by Kysely's literal quoting.
  'src/db/request-login.ts': 'literals in ALTER ROLE and COMMENT ON ROLE',
  // CREATE/DROP DATABASE and DROP ROLE take no parameters: names quoted as identifiers.
  'src/db/server-admin.ts': 'quoted identifiers in database and role DDL',
};

export type Finding = { file: string; line: number; rule: string; text: string };

/** `a|b` as a group matching each word all lower case or all upper case. */
const keywords = (words: string) => `(?:${words}|${words.toUpperCase().replace(/\\S/g, '\\s')})`;

const RULES: { rule: string; pattern: RegExp }[] = [
  { rule: 'sql.raw', pattern: /\bsql\s*\.\s*raw\s*\(/g },
  { rule: 'sql.lit', pattern: /\bsql\s*\.\s*lit\s*\(/g },
  // A template literal with an interpolation handed straight to a driver's query or exec.
  { rule: 'template literal into query/exec', pattern: /\.\s*(?:query|exec|unsafe)\s*\(\s*`[^`]*\$\{/g },
  // A string literal holding an SQL statement's start or clause, joined with `+` to something.
  // SQL is written all lower case (or all upper case); a capitalised word is prose ("Select a ...").
  {
    rule: 'string concatenation into SQL',
    pattern: new RegExp(
      `(['"\`])\\s*${keywords('select|insert\\s+into|update|delete\\s+from|create|drop|alter|grant|revoke')}\\s[^'"\`\\n]*\\1\\s*\\+` +
        `|\\+\\s*(['"\`])[^'"\`\\n]*\\b${keywords('where|from|values|order\\s+by|returning')}\\s[^'"\`\\n]*\\2`,
      'g',
    ),
  },
];

/** The places in `source` (a file's text) that build SQL text from strings. */
export function findSqlText(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  for (const { rule, pattern } of RULES) {
    for (const match of source.matchAll(pattern)) {
      const line = source.slice(0, match.index).split('\n').length;
      findings.push({ file, line, rule, text: source.split('\n')[line - 1]!.trim() });
    }
  }
  return findings;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(entry.name) ? [path] : [];
  });
}

function scan(): Finding[] {
  return sourceFiles(join(ROOT, 'src')).flatMap((path) => findSqlText(relative(ROOT, path), readFileSync(path, 'utf8')));
}

it('finds no SQL text built from strings outside the allowed files of the database layer', () => {
  const outside = scan().filter((f) => !(f.file in ALLOWED));
  assert.deepEqual(outside, []);
});

it('allows only files of src/db and the data-access layer, each of which needs it', () => {
  const found = new Set(scan().map((f) => f.file));
  for (const file of Object.keys(ALLOWED)) {
    assert.ok(file.startsWith('src/db/') || file === 'src/tenancy/data-access.ts', `${file} is outside the database layer`);
    assert.ok(found.has(file), `${file} is allowed but builds no SQL text: take it off the list`);
  }
});

it('catches each kind of planted violation, and leaves the query builder and the sql tag alone', () => {
  const planted = [
    'await sql.raw(`select * from tickets where id = ${id}`).execute(db);',
    "const where = sql.lit(input.subject);",
    'await client.query(`select * from tickets where subject = \'${subject}\'`);',
    "await pool.query('select * from tickets where id = ' + id);",
    'const text = "delete from tickets where id = " + id;',
    "const q = base + ' where tenant_id = ' + tenantId;",
    "const upper = 'SELECT * FROM tickets WHERE id = ' + id;",
  ];
  for (const line of planted) assert.equal(findSqlText('src/desk/planted.ts', line).length, 1, line);
  const clean = [
    'await sql`select * from tickets where id = ${id}`.execute(db);',
    "await db.selectFrom('tickets').where('id', '=', id).execute();",
    "await admin.query('select 1 from pg_database where datname = $1', [template]);",
    "throw new AppError('VALIDATION_FAILED', 'Select a department ' + name);",
    'await sql`select ${sql.ref(column)} from ${sql.table(table)}`.execute(db);',
  ];
  for (const line of clean) assert.deepEqual(findSqlText('src/desk/clean.ts', line), [], line);
});
