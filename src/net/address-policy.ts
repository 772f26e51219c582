import { BlockList, isIP } from 'node:net';

/**
 * Which addresses an outbound connection may reach: every public address, plus what the
 * installation allows in OUTBOUND_ALLOW (CIDR ranges, single addresses, host names). Everything in
 * the special-purpose ranges below is refused otherwise, so a tenant naming a mail server cannot
 * make the server knock on its own loopback, its private network or a cloud metadata address.
 *
 * @example
 * const policy = parseAddressPolicy('127.0.0.0/8, ::1, mail.corp.internal');
 * refusal(policy, '10.0.0.5'); // { cidr: '10.0.0.0/8', name: 'private range' }
 * refusal(policy, '127.0.0.1'); // undefined: allowed
 */
export type AddressPolicy = {
  /** The ranges and addresses OUTBOUND_ALLOW lets through although they are special-purpose. */
  readonly allowed: BlockList;
  /** Host names OUTBOUND_ALLOW trusts: whatever they resolve to is reached (lower case, no trailing dot). */
  readonly hosts: ReadonlySet<string>;
  /** The entries as written, for messages. */
  readonly entries: readonly string[];
};

/** IANA's special-purpose ranges (RFC 6890 and its successors), with a name for the message. */
const SPECIAL_RANGES: readonly (readonly [cidr: string, name: string])[] = [
  ['0.0.0.0/8', '"this network" range'],
  ['10.0.0.0/8', 'private range'],
  ['100.64.0.0/10', 'shared (carrier-grade NAT) range'],
  ['127.0.0.0/8', 'loopback range'],
  ['169.254.0.0/16', 'link-local range'],
  ['172.16.0.0/12', 'private range'],
  ['192.0.0.0/24', 'IETF protocol range'],
  ['192.0.2.0/24', 'documentation range'],
  ['192.88.99.0/24', '6to4 relay range'],
  ['192.168.0.0/16', 'private range'],
  ['198.18.0.0/15', 'benchmarking range'],
  ['198.51.100.0/24', 'documentation range'],
  ['203.0.113.0/24', 'documentation range'],
  ['224.0.0.0/4', 'multicast range'],
  ['240.0.0.0/4', 'reserved range (and broadcast)'],
  ['::/128', 'unspecified address'],
  ['::1/128', 'loopback address'],
  // IPv4-compatible addresses (deprecated); ::ffff:0:0/96 is unwrapped below instead.
  ['::/96', 'IPv4-compatible range'],
  ['64:ff9b:1::/48', 'local NAT64 range'],
  ['100::/64', 'discard range'],
  ['2001::/23', 'IETF protocol range (incl. Teredo)'],
  ['2001:db8::/32', 'documentation range'],
  ['fc00::/7', 'unique-local range'],
  ['fe80::/10', 'link-local range'],
  ['fec0::/10', 'site-local range'],
  ['ff00::/8', 'multicast range'],
];

const RANGES = SPECIAL_RANGES.map(([cidr, name]) => {
  const [network, bits] = cidr.split('/') as [string, string];
  const list = new BlockList();
  list.addSubnet(network, Number(bits), isIP(network) === 6 ? 'ipv6' : 'ipv4');
  return { cidr, name, list };
});

const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** `[::1]` → `::1`, `Mail.Example.` → `mail.example`: the form every check compares. */
export function normalizeHost(host: string): string {
  return host.trim().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

/**
 * Reads OUTBOUND_ALLOW: entries separated by commas or spaces, each a CIDR range (`10.1.0.0/16`,
 * `fd00::/8`), an address (`192.168.1.20`) or a host name (`mail.corp.internal`). A bad entry throws
 * an Error naming it.
 */
export function parseAddressPolicy(text: string | undefined): AddressPolicy {
  const allowed = new BlockList();
  const hosts = new Set<string>();
  const entries = (text ?? '').split(/[\s,]+/).filter(Boolean);
  for (const entry of entries) {
    const [network, bits, extra] = entry.split('/');
    const host = normalizeHost(network!);
    const family = isIP(host);
    if (family && extra === undefined) {
      const max = family === 4 ? 32 : 128;
      const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (!(prefix >= 0 && prefix <= max)) throw new Error(`"${entry}": the prefix length must be 0 to ${max}`);
      allowed.addSubnet(host, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (bits === undefined && HOST_NAME.test(host)) {
      hosts.add(host);
    } else {
      throw new Error(`"${entry}" is neither an address, a CIDR range nor a host name`);
    }
  }
  return { allowed, hosts, entries };
}

/** The IPv4 address an IPv6 address carries (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
export function embeddedIPv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const words = ipv6Words(address);
  const quad = (hi: number, lo: number) => [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return quad(words[6]!, words[7]!);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return quad(words[6]!, words[7]!);
  if (words[0] === 0x2002) return quad(words[1]!, words[2]!);
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (with `::` and a trailing dotted quad expanded). */
function ipv6Words(address: string): number[] {
  let text = address.split('%')[0]!;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const left = part(head);
  const right = part(tail);
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** Which special-purpose range an address is in: `{cidr, name}`, or undefined for a public address. */
export function specialRange(address: string): { cidr: string; name: string } | undefined {
  const family = isIP(address);
  if (!family) return { cidr: address, name: 'not an IP address' };
  const inner = embeddedIPv4(address);
  if (inner) return specialRange(inner);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const hit = RANGES.find((r) => r.list.check(address, type));
  return hit ? { cidr: hit.cidr, name: hit.name } : undefined;
}

/** The special-purpose range that refuses a connection to `address` under `policy`, or undefined when it is allowed. */
export function refusal(policy: AddressPolicy, address: string): { cidr: string; name: string } | undefined {
  const range = specialRange(address);
  if (!range) return undefined;
  const family = isIP(address);
  const inner = embeddedIPv4(address);
  if (family && policy.allowed.check(address, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
  if (inner && policy.allowed.check(inner, 'ipv4')) return undefined;
  return range;
}

/** Whether the installation trusts this host name as such (OUTBOUND_ALLOW names it). */
export function hostAllowed(policy: AddressPolicy, host: string): boolean {
  return policy.hosts.has(normalizeHost(host));
}

/** A policy that also trusts `host` by name: a destination the installation's own configuration names. */
export function withAllowedHost(policy: AddressPolicy, host: string): AddressPolicy {
  return { ...policy, hosts: new Set([...policy.hosts, normalizeHost(host)]) };
}

/** The default: public addresses only. */
export const PUBLIC_ONLY: AddressPolicy = parseAddressPolicy('');
