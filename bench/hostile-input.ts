/**
 * Hostile input at full size: what a many-part MIME message, a decompression bomb and a compressed
 * request body cost the server in time and memory (peak RSS growth of this process, which hosts
 * the mail pipeline's reader and the HTTP app through inject). Embedded PGlite, no server needed.
 *
 *   npm run bench:hostile [-- --parts 1000,10000,50000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { simpleParser } from 'mailparser';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { readMessage } from '../src/mail/receive-message.ts';
import { demoDeskApp, multipartBody } from '../test/support/desk-app.ts';
import { gzipBomb, zipBomb } from '../test/resilience/bombs.ts';
import { MB, peakRssGrowth } from '../test/resilience/memory.ts';
import { mailConfig } from '../test/mail/mail-fixtures.ts';

const { values } = parseArgs({ options: { parts: { type: 'string', default: '10,100,999,10000,50000' } } });
const partCounts = values.parts!.split(',').map(Number);

/** A multipart/mixed message of `parts` parts (container and text included), 600-byte attachments. */
function manyParts(parts: number): Buffer {
  const lines = ['From: a@customer.test', 'To: support@acme.test', 'Subject: parts', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'hello'];
  const body = Buffer.alloc(600, 'A').toString('base64');
  for (let i = 0; i < parts - 2; i++) lines.push('--b', 'Content-Type: application/octet-stream', `Content-Disposition: attachment; filename="p${i}.bin"`, 'Content-Transfer-Encoding: base64', '', body);
  lines.push('--b--', '');
  return Buffer.from(lines.join('\r\n'));
}

async function measure<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; rssMB: number }> {
  global.gc?.();
  const started = performance.now();
  const { result, growth } = await peakRssGrowth(work);
  return { result, ms: performance.now() - started, rssMB: growth / MB };
}

const rows: string[] = [];
const row = (...cells: (string | number)[]) => rows.push(`| ${cells.map((c) => (typeof c === 'number' ? c.toFixed(c < 10 ? 1 : 0) : c)).join(' | ')} |`);

// 1. The mail pipeline's reader against mailparser alone.
const deps = { config: mailConfig({ maxMessageBytes: 64 * MB }) };
for (const parts of partCounts) {
  const raw = manyParts(parts);
  process.stderr.write(`MIME: ${parts} parts (${(raw.length / MB).toFixed(1)} MB)\n`);
  const ours = await measure(() => readMessage(deps, raw));
  row(`readMessage, ${parts} parts (${(raw.length / MB).toFixed(1)} MB)`, ours.ms, ours.rssMB, ours.result.problem ? 'quarantined unparsed' : `parsed, ${ours.result.parsed?.attachments.length} attachments`);
  const plain = await measure(() => simpleParser(raw).then((m) => `${m.attachments.length} attachments`, (e: Error) => `error: ${e.message}`));
  row(`mailparser alone, ${parts} parts`, plain.ms, plain.rssMB, plain.result);
}

// 2. Bombs and compressed bodies through the HTTP app.
const database = await openDatabase({ kind: 'pglite' });
await migrate(database);
const dataDir = mkdtempSync(join(tmpdir(), 'td-bench-hostile-'));
const desk = await demoDeskApp(database, { attachments: { dataDir, maxBytes: 4 * MB } });
const customer = await desk.as('customer@acme.test');
const ticket = (await customer({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'bench', body: 'x' } })).json() as { id: string };
const entry = ((await customer({ url: `/api/v1/tickets/${ticket.id}/thread` })).json().entries as { id: string; kind: string }[]).find((e) => e.kind === 'reply')!;
for (const [name, type, data] of [['bomb.zip', 'application/zip', zipBomb()], ['bomb.gz', 'application/gzip', gzipBomb()]] as const) {
  const { body, headers } = multipartBody('file', name, type, data);
  const up = await measure(() => customer({ method: 'POST', url: `/api/v1/tickets/${ticket.id}/entries/${entry.id}/attachments`, body, headers }));
  row(`upload ${name} (${(data.length / MB).toFixed(1)} MB, 2 GiB inflated)`, up.ms, up.rssMB, `HTTP ${up.result.statusCode}`);
  const down = await measure(() => customer({ url: `/api/v1/attachments/${up.result.json().id as string}` }));
  row(`download ${name}`, down.ms, down.rssMB, `HTTP ${down.result.statusCode}, ${down.result.rawPayload.length} bytes`);
}
const gz = gzipBomb();
const refused = await measure(() => customer({ method: 'POST', url: '/api/v1/tickets', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gz }));
row(`JSON body, Content-Encoding: gzip (${(gz.length / MB).toFixed(1)} MB, 2 GiB inflated)`, refused.ms, refused.rssMB, `HTTP ${refused.result.statusCode}`);
await desk.app.close();
await database.close();
rmSync(dataDir, { recursive: true, force: true });

console.log(`# Hostile input (${new Date().toISOString()})\n`);
console.log('| case | ms | peak RSS growth (MB) | outcome |\n| --- | ---: | ---: | --- |');
console.log(rows.join('\n'));
