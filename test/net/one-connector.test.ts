import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import ts from 'typescript';

const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Modules that open connections, and what may be imported from them outside src/net/ (the guarded
 * connector): helpers that parse or compare addresses, types, servers that only listen.
 */
const GUARDED: Record<string, { allowed: readonly string[] }> = {
  net: { allowed: ['isIP', 'isIPv4', 'isIPv6', 'BlockList', 'SocketAddress'] },
  tls: { allowed: [] },
  http: { allowed: ['createServer'] },
  https: { allowed: [] },
  http2: { allowed: [] },
  dgram: { allowed: [] },
  dns: { allowed: [] },
  'dns/promises': { allowed: [] },
  undici: { allowed: [] },
  nodemailer: { allowed: [] },
  imapflow: { allowed: [] },
  mysql2: { allowed: [] },
  'mysql2/promise': { allowed: [] },
};

/** Files outside src/net/ allowed one more import, each with the reason. */
const EXCEPTIONS: Record<string, { module: string; names: readonly string[]; why: string }> = {
  'src/cli/admin-socket.ts': { module: 'http', names: ['request'], why: "the CLI talks to its own server over a Unix socket in DATA_DIR, never to a network address" },
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** What a source imports from guarded modules, as `module: name` (`module: *` for a default, namespace or side-effect import), and calls of the global fetch. */
function outboundUses(name: string, text: string): string[] {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const uses: string[] = [];
  const guarded = (specifier: string) => {
    const name = specifier.replace(/^node:/, '');
    return name in GUARDED ? name : undefined;
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const module = guarded(node.moduleSpecifier.text);
      const clause = node.importClause;
      if (module && !clause?.isTypeOnly) {
        if (!clause || clause.name || (clause.namedBindings && ts.isNamespaceImport(clause.namedBindings))) uses.push(`${module}: *`);
        if (clause?.namedBindings && ts.isNamedImports(clause.namedBindings)) {
          for (const element of clause.namedBindings.elements) if (!element.isTypeOnly) uses.push(`${module}: ${(element.propertyName ?? element.name).text}`);
        }
      }
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && guarded(node.moduleSpecifier.text) && !node.isTypeOnly) uses.push(`${guarded(node.moduleSpecifier.text)}: re-export`);
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const [first] = node.arguments;
      // import('node:net'), require('net')
      if ((callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) && first && ts.isStringLiteralLike(first) && guarded(first.text)) uses.push(`${guarded(first.text)}: dynamic`);
      // The global fetch (undici inside Node), as `fetch(...)` or `globalThis.fetch(...)`.
      if ((ts.isIdentifier(callee) && callee.text === 'fetch') || (ts.isPropertyAccessExpression(callee) && callee.name.text === 'fetch' && ts.isIdentifier(callee.expression) && callee.expression.text === 'globalThis')) uses.push('fetch: global');
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

it('opens outbound connections only through src/net/ (the guarded connector)', () => {
  const offending: string[] = [];
  for (const file of sourceFiles(join(root, 'src'))) {
    const path = relative(root, file);
    if (path.startsWith('src/net/')) continue;
    for (const use of outboundUses(path, readFileSync(file, 'utf8'))) {
      const [module, name] = use.split(': ') as [string, string];
      if (GUARDED[module]?.allowed.includes(name)) continue;
      const exception = EXCEPTIONS[path];
      if (exception && exception.module === module && exception.names.includes(name)) continue;
      offending.push(`${path}: ${use}`);
    }
  }
  assert.deepEqual(offending, [], 'open sockets through src/net/guarded-connect.ts (or its SMTP, IMAP and fetch helpers)');
});

it('notices the ways around it (the check itself is checked)', () => {
  const probe = [
    "import nodemailer from 'nodemailer';",
    "import { ImapFlow } from 'imapflow';",
    "import { connect, isIP } from 'node:net';",
    "import * as tls from 'tls';",
    "import type { Socket } from 'node:net';",
    "import { request as get } from 'node:https';",
    "const dns = await import('node:dns');",
    "await fetch('http://127.0.0.1/');",
    "client.fetch(range);",
  ].join('\n');
  assert.deepEqual(outboundUses('probe.ts', probe).sort(), ['dns: dynamic', 'fetch: global', 'https: request', 'imapflow: ImapFlow', 'net: connect', 'net: isIP', 'nodemailer: *', 'tls: *'].sort());
});
