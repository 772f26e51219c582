import type { HeaderLine } from './message-traits.ts';

/**
 * Reading `Authentication-Results` header fields (RFC 8601), and whether they prove that a message
 * comes from its From domain. Pure: no I/O, tested on their own (with hostile input too).
 *
 * A sender writes any header it likes, this one included: a result is believed only when the
 * receiving MTA the installation trusts wrote it. MTAs add their header fields on top of the ones
 * they received, so the verdict is the topmost field whose authserv-id is trusted; anything below
 * it (a forged field, an older hop's) is never read, and an unreadable field above it stops the
 * reading (nothing is believed).
 */

/** One `method=result` with its properties (`header.from`, `header.d`, ...), names lower-cased. */
export type MethodResult = {
  readonly method: string;
  readonly result: string;
  readonly properties: readonly (readonly [name: string, value: string])[];
};

/** A parsed field: who wrote it, and its results (undefined when the rest of the field is malformed). */
export type AuthenticationResults = {
  readonly authservId: string;
  readonly results: readonly MethodResult[] | undefined;
};

// RFC 2045 tspecials, space and controls end a token.
const TOKEN_CHAR = /[!#$%&'*+\-.0-9A-Z^_`a-z{|}~\u0080-\uffff]/;
const KEYWORD_CHAR = /[A-Za-z0-9_-]/;
// A property value that is not a quoted string: a domain, `@domain` or `local@domain`, an address literal.
const PVALUE_CHAR = /[!#$%&'*+\-./0-9:=?@A-Z[\]^_`a-z{|}~\u0080-\uffff]/;

/** A cursor over one unfolded field value; every read returns undefined instead of throwing. */
class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  take(char: string): boolean {
    if (this.peek() !== char) return false;
    this.pos++;
    return true;
  }

  /** Skips folding white space and (nested) comments; false on an unterminated comment. */
  skipCfws(): boolean {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.pos++;
      else if (c === '(') {
        if (!this.skipComment()) return false;
      } else return true;
    }
  }

  private skipComment(): boolean {
    let depth = 0;
    while (!this.done) {
      const c = this.text[this.pos++]!;
      if (c === '\\') this.pos++;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) return true;
    }
    return false;
  }

  private run(allowed: RegExp): string {
    const start = this.pos;
    while (!this.done && allowed.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  keyword(): string | undefined {
    return this.run(KEYWORD_CHAR).toLowerCase() || undefined;
  }

  digits(): string {
    return this.run(/[0-9]/);
  }

  private quoted(): string | undefined {
    if (!this.take('"')) return undefined;
    let value = '';
    while (!this.done) {
      const c = this.text[this.pos++]!;
      if (c === '"') return value;
      if (c === '\\') {
        if (this.done) return undefined;
        value += this.text[this.pos++]!;
      } else value += c;
    }
    return undefined;
  }

  /** RFC 2045 `value`: a token or a quoted string. */
  value(): string | undefined {
    return this.peek() === '"' ? this.quoted() : this.run(TOKEN_CHAR) || undefined;
  }

  pvalue(): string | undefined {
    return this.peek() === '"' ? this.quoted() : this.run(PVALUE_CHAR) || undefined;
  }
}

/** The value of a field (after `Authentication-Results:`), unfolded: CRLF before white space goes. */
const unfold = (value: string): string => value.replace(/\r?\n(?=[ \t])/g, '');

/**
 * Parses one field value. Undefined when not even the authserv-id can be read; `results`
 * undefined when the rest is malformed (nothing in it counts). Never throws.
 *
 * @example
 * parseAuthenticationResults(' mx.acme.test (Postfix); dmarc=pass (p=reject) header.from=acme.test')
 * // { authservId: 'mx.acme.test', results: [{ method: 'dmarc', result: 'pass', properties: [['header.from', 'acme.test']] }] }
 */
export function parseAuthenticationResults(value: string): AuthenticationResults | undefined {
  const unfolded = unfold(value);
  // A line break left after unfolding is not folding: the field is not one header field.
  if (/[\r\n]/.test(unfolded.replace(/\r?\n$/, ''))) return undefined;
  const s = new Scanner(unfolded);
  if (!s.skipCfws()) return undefined;
  const authservId = s.value();
  if (!authservId || !s.skipCfws()) return undefined;
  const malformed = { authservId, results: undefined };
  // authres-version: a number after the authserv-id.
  if (/[0-9]/.test(s.peek()) && (s.digits() !== '1' || !s.skipCfws())) return malformed;
  const results: MethodResult[] = [];
  if (s.done) return malformed;
  while (!s.done) {
    if (!s.take(';') || !s.skipCfws()) return malformed;
    // A trailing `;` adds nothing.
    if (s.done) break;
    const method = s.keyword();
    if (!method || !s.skipCfws()) return malformed;
    if (method === 'none' && !results.length && s.done) return { authservId, results };
    if (s.take('/') && !(s.skipCfws() && s.digits() && s.skipCfws())) return malformed;
    if (!s.take('=') || !s.skipCfws()) return malformed;
    const result = s.keyword();
    if (!result || !s.skipCfws()) return malformed;
    const properties: [string, string][] = [];
    while (!s.done && s.peek() !== ';') {
      const name = s.keyword();
      if (!name || !s.skipCfws()) return malformed;
      if (name === 'reason' && s.take('=')) {
        if (!s.skipCfws() || s.value() === undefined || !s.skipCfws()) return malformed;
        continue;
      }
      if (!s.take('.') || !s.skipCfws()) return malformed;
      const property = s.keyword();
      if (!property || !s.skipCfws() || !s.take('=') || !s.skipCfws()) return malformed;
      const pvalue = s.pvalue();
      if (pvalue === undefined || !s.skipCfws()) return malformed;
      properties.push([`${name}.${property}`, pvalue]);
    }
    results.push({ method, result, properties });
  }
  return { authservId, results };
}

/** The one value of a property; undefined when it is missing or given twice (ambiguous). */
function onlyValue(result: MethodResult, name: string): string | undefined {
  const values = result.properties.filter(([n]) => n === name);
  return values.length === 1 ? values[0]![1] : undefined;
}

/** The domain of `domain`, `@domain` or `local@domain`, lower-cased, without a final dot. */
const domainOf = (value: string): string => value.slice(value.lastIndexOf('@') + 1).toLowerCase().replace(/\.$/, '');

/**
 * Whether a field's results show the From domain authenticated: DMARC passed for it, or DKIM
 * passed with a signature of exactly that domain (strict alignment: without the public suffix
 * list, "same organisation" cannot be told safely). Any DMARC result of `fail` says no, whatever
 * else the field says.
 */
export function provesDomain(results: readonly MethodResult[], fromDomain: string): boolean {
  const domain = fromDomain.toLowerCase();
  const dmarc = results.filter((r) => r.method === 'dmarc');
  if (dmarc.some((r) => r.result !== 'pass' && r.result !== 'none')) return false;
  const dmarcPass = dmarc.some((r) => r.result === 'pass' && domainOf(onlyValue(r, 'header.from') ?? '') === domain);
  const dkimPass = results.some((r) => {
    if (r.method !== 'dkim' || r.result !== 'pass') return false;
    const signer = onlyValue(r, 'header.d') ?? onlyValue(r, 'header.i');
    return signer !== undefined && domainOf(signer) === domain;
  });
  return dmarcPass || dkimPass;
}

/**
 * Whether the message's header says, through the topmost `Authentication-Results` field written
 * by a trusted authserv-id, that it comes from `fromDomain`. Fields of other authserv-ids above it
 * are passed over (another hop's own checks); an unreadable field above it, a malformed trusted
 * field or no trusted field at all mean no. `lines` are in the message's order, top first.
 */
export function trustedAuthenticationPasses(lines: readonly HeaderLine[], trustedIds: ReadonlySet<string>, fromDomain: string): boolean {
  if (!trustedIds.size || !fromDomain) return false;
  for (const header of lines) {
    if (header.key !== 'authentication-results') continue;
    const field = parseAuthenticationResults(header.line.slice(header.line.indexOf(':') + 1));
    if (!field) return false;
    if (!trustedIds.has(field.authservId.toLowerCase())) continue;
    return field.results !== undefined && provesDomain(field.results, fromDomain);
  }
  return false;
}
