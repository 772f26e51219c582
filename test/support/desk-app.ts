import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD, seedDemo } from '../../src/demo/seed-demo.ts';
import { buildApp, type AppOptions } from '../../src/http/app.ts';
import type { Database } from '../../src/db/database.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';

export type Call = {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  host: string;
  cookie?: string;
  body?: object | string | Buffer;
  headers?: Record<string, string>;
};
export type Caller = (c: Omit<Call, 'host' | 'cookie'>) => Promise<LightMyRequestResponse>;

/** The demo's host of a demo login (`agent@acme.test` -> `acme.localhost`). */
export const hostOf = (email: string) => (email.endsWith('@northwind.test') ? 'desk.localhost' : `${email.split('@')[1]!.replace('.test', '')}.localhost`);

/**
 * The HTTP app over a database seeded with the demo, and callers signed in as demo logins
 * (cookie sessions with a same-host Origin on writes). The catalog confirms its version before
 * every request (`catalogStalenessMs` 0), so that a test sees its own catalog changes at once.
 */
export async function demoDeskApp(database: Database, options: Partial<AppOptions> = {}, catalogStalenessMs = 0) {
  const shards = new Shards(database);
  await seedDemo(shards, DEFAULT_TENANCY);
  const catalog = await Catalog.load(database, catalogStalenessMs);
  const app: FastifyInstance = await buildApp({ database, shards, catalog, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false, ...options });
  const cookies = new Map<string, string>();
  const call = (c: Call): Promise<LightMyRequestResponse> =>
    app.inject({
      method: c.method ?? 'GET',
      url: c.url,
      headers: { host: c.host, ...(c.cookie ? { cookie: c.cookie } : {}), ...(c.method && c.method !== 'GET' ? { origin: `http://${c.host}` } : {}), ...c.headers },
      ...(c.body !== undefined ? { payload: c.body } : {}),
    });
  const as = async (email: string): Promise<Caller> => {
    const host = hostOf(email);
    if (!cookies.has(email)) {
      const res = await call({ method: 'POST', url: '/api/v1/auth/login', host, body: { email, password: DEMO_PASSWORD } });
      assert.equal(res.statusCode, 200, res.body);
      cookies.set(email, `td_session=${res.cookies.find((c) => c.name === 'td_session')!.value}`);
    }
    const cookie = cookies.get(email)!;
    return (c) => call({ ...c, host, cookie });
  };
  return { app, shards, catalog, call, as };
}

/** A multipart/form-data body with one file part. */
export function multipartBody(field: string, filename: string, contentType: string, data: Buffer): { body: Buffer; headers: Record<string, string> } {
  const boundary = `----td${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), data, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
