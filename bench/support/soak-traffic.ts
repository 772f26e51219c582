import nodemailer from 'nodemailer';
import { customerAddressOf, apiKeyOf, sessionOf, supportAddressOf, ticketNumberOf } from './desk-load.ts';
import { hostOf, HOST_SUFFIX } from './fixture.ts';
import type { HttpClient, Job } from './load-driver.ts';

/**
 * The soak's traffic mix over a loaded desk (desk-load.ts): what customers do in the portal, agents
 * in their panel, integrations over the API, and mail through the SMTP listener, in the shares of
 * `MIX`. Every job picks a random tenant; a job fails on any answer but the expected one.
 */
const MIX: readonly [string, number][] = [
  ['portal.tenant', 4],
  ['portal.me', 4],
  ['portal.list', 10],
  ['portal.view', 5],
  ['portal.create', 4],
  ['portal.reply', 3],
  ['agent.queue', 15],
  ['agent.view', 10],
  ['agent.thread', 8],
  ['agent.reply', 5],
  ['agent.note', 3],
  ['api.create', 7],
  ['api.list', 10],
  ['email.new', 7],
  ['email.reply', 5],
];
const TOTAL = MIX.reduce((a, [, w]) => a + w, 0);

export type SoakTraffic = { next(): Job; close(): void; readonly kinds: readonly string[] };

export function soakTraffic(http: HttpClient, smtpPort: number, desk: { tenants: number; ticketsPerTenant: number }, loaded: Map<number, string[]>): SoakTraffic {
  const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 8, maxMessages: Infinity });
  // Tickets a tenant's customer requested (loaded or opened in the portal), and all the tenant's tickets the run opened.
  const own = loaded;
  const opened = new Map<number, string[]>();
  const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)]!;
  let serial = 0;

  const expect = async (answer: Promise<{ status: number; body: string }>, status: number, keep?: (body: string) => void) => {
    const res = await answer;
    if (res.status !== status) throw new Error(`HTTP ${res.status} ${res.body.slice(0, 120)}`);
    keep?.(res.body);
  };
  const remember = (map: Map<number, string[]>, tenant: number) => (body: string) => {
    const list = map.get(tenant) ?? [];
    list.push((JSON.parse(body) as { id: string }).id);
    // A bounded list: the soak must not measure its own memory.
    if (list.length > 200) list.shift();
    map.set(tenant, list);
  };

  function job(kind: string, tenant: number): () => Promise<void> {
    const host = hostOf(tenant);
    const customer = { host, cookie: sessionOf('customer', tenant) };
    const agent = { host, cookie: sessionOf('agent', tenant) };
    const write = (who: { host: string; cookie: string }) => ({ ...who, origin: `http://${host}` });
    const api = { host, authorization: `Bearer ${apiKeyOf(tenant)}` };
    const ownTicket = () => pick(own.get(tenant)!);
    const anyTicket = () => (Math.random() < 0.5 && opened.get(tenant)?.length ? pick(opened.get(tenant)!) : ownTicket());
    const body = (text: string) => JSON.stringify({ body: `<p>${text} #${++serial}</p>` });
    const newTicket = (text: string) => JSON.stringify({ subject: `${text} ${++serial}`, body: '<p>The printer on floor 2 jams again.</p>' });
    switch (kind) {
      case 'portal.tenant': return () => expect(http.send('GET', '/api/v1/tenant', customer), 200);
      case 'portal.me': return () => expect(http.send('GET', '/api/v1/me', customer), 200);
      case 'portal.list': return () => expect(http.send('GET', '/api/v1/tickets?limit=20', customer), 200);
      case 'portal.view': return () => expect(http.send('GET', `/api/v1/tickets/${ownTicket()}`, customer), 200);
      case 'portal.create': return () => expect(http.send('POST', '/api/v1/tickets', write(customer), newTicket('Portal ticket')), 201, remember(own, tenant));
      case 'portal.reply': return () => expect(http.send('POST', `/api/v1/tickets/${ownTicket()}/replies`, write(customer), body('Any news?')), 201);
      case 'agent.queue': return () => expect(http.send('GET', '/api/v1/tickets?limit=50', agent), 200);
      case 'agent.view': return () => expect(http.send('GET', `/api/v1/tickets/${anyTicket()}`, agent), 200);
      case 'agent.thread': return () => expect(http.send('GET', `/api/v1/tickets/${anyTicket()}/thread`, agent), 200);
      // A reply goes to a requester: the customer's tickets have one, the API's tickets none (notes only).
      case 'agent.reply': return () => expect(http.send('POST', `/api/v1/tickets/${ownTicket()}/replies`, write(agent), body('We are on it.')), 201);
      case 'agent.note': return () => expect(http.send('POST', `/api/v1/tickets/${anyTicket()}/notes`, write(agent), body('Checked the spooler.')), 201);
      case 'api.create': return () => expect(http.send('POST', '/api/v1/tickets', api, newTicket('API ticket')), 201, remember(opened, tenant));
      case 'api.list': return () => expect(http.send('GET', '/api/v1/tickets?limit=20', api), 200);
      case 'email.new':
        return async () => {
          const info = await smtp.sendMail({ from: `c${++serial}@customers.${HOST_SUFFIX}`, to: supportAddressOf(tenant), subject: `Mailed ticket ${serial}`, text: 'Hello,\nthe scanner is offline.' });
          if (!/^250 /.test(info.response)) throw new Error(`SMTP ${info.response}`);
        };
      case 'email.reply':
        return async () => {
          // A loaded ticket, threaded by its number in the subject, from its requester.
          const n = 1 + Math.floor(Math.random() * desk.ticketsPerTenant);
          const info = await smtp.sendMail({ from: customerAddressOf(tenant), to: supportAddressOf(tenant), subject: `Re: [${ticketNumberOf(tenant, n)}] printer`, text: `Still jammed (${++serial}).` });
          if (!/^250 /.test(info.response)) throw new Error(`SMTP ${info.response}`);
        };
      default:
        throw new Error(`unknown traffic ${kind}`);
    }
  }

  return {
    kinds: MIX.map(([kind]) => kind),
    next(): Job {
      let roll = Math.random() * TOTAL;
      const [kind] = MIX.find(([, weight]) => (roll -= weight) < 0) ?? MIX[0]!;
      const tenant = 2 + Math.floor(Math.random() * (desk.tenants - 1));
      return { kind, run: job(kind, tenant) };
    },
    close: () => smtp.close(),
  };
}
