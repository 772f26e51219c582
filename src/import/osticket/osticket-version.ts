/**
 * The osTicket releases whose schema this importer reads: 1.14 to 1.18, recognised by the
 * `schema_signature` osTicket keeps in `ost_config` (namespace `core`). Each upgrade patch of
 * osTicket sets the signature of the schema it leaves, so a database is at exactly one of these;
 * the list is every signature of those releases' upgrade streams (development steps included).
 */
export const KNOWN_SIGNATURES: Readonly<Record<string, string>> = {
  '8b923d61f0eea5216931c19aa591f4f2': '1.14',
  '9b5550dad8d3f036d62eb1340f230317': '1.14',
  e69781546e08be96d787199a911d0ffe: '1.14',
  cc6d1b03792f91fc3b6bc1d85bdc9813: '1.14',
  '914098f4a7022c558038471e7f9eec62': '1.14',
  '87d4a3233469728d83b86d3ee2f066e1': '1.14',
  '4bd47d94b10bd8a6bab35c119dadf41f': '1.14',
  e7038ce9762843b6cfbe9fa2d98feaf3: '1.15',
  ddbe2e76ec38a2e58bdbff9109c07930: '1.15',
  add628927ee030469f5d3272ebda1e16: '1.15',
  c37e165651dc289240fee7d244990ac1: '1.16',
  e2b4e5cbb8b77e50a8f44bdcf09defc7: '1.17',
  f0d2e14d0d653b856be20ffeff46da32: '1.17',
  '83a22ba22b1a6a624fcb1da03882ac1b': '1.17',
  '5fb92bef17f3b603659e024c01cc7a59': '1.18',
};

/** The release of a schema signature, or undefined for one this importer does not know. */
export function osticketVersion(signature: string): string | undefined {
  return KNOWN_SIGNATURES[signature.trim().toLowerCase()];
}
