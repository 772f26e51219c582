import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { parseAddressPolicy } from '../../src/net/address-policy.ts';
import { guardedFetch } from '../../src/net/guarded-fetch.ts';
import { createOutbound, OutboundError, type Resolver } from '../../src/net/guarded-connect.ts';
import { guardedImapClient } from '../../src/net/imap-client.ts';
import { guardedSmtpTransport } from '../../src/net/smtp-transport.ts';
import { startCanary, type Canary } from '../resilience/canary.ts';
import { REFUSED } from './refused-addresses.ts';

/** A loopback TCP server that counts the connections it is offered (and closes them). */
async function countingServer(): Promise<{ port: number; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A resolver stub over a fixed table, counting its calls. */
function stubResolver(table: Record<string, string[] | (() => string[])>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (host: string) => {
    calls.push(host);
    const entry = table[host];
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return (typeof entry === 'function' ? entry() : entry).map((address) => ({ address, family: address.includes(':') ? (6 as const) : (4 as const) }));
  };
  return Object.assign(resolver, { calls });
}

const refusedError = (error: unknown) => error instanceof OutboundError && error.code === 'OUTBOUND_REFUSED';

describe('the guarded connector', () => {
  let target: Awaited<ReturnType<typeof countingServer>>;
  before(async () => {
    target = await countingServer();
  });
  after(async () => target.close());

  for (const [address, range] of REFUSED) {
    it(`refuses to connect to ${address} (${range}) without opening a socket`, async () => {
      const outbound = createOutbound();
      const before = target.connections();
      await assert.rejects(outbound.connect({ host: address, port: target.port, what: 'IMAP server' }), (error: Error) => refusedError(error) && error.message.includes(range) && error.message.includes('IMAP server'));
      assert.equal(target.connections(), before, 'no connection reached the server');
    });
  }

  it('refuses a host name that resolves to a refused address, and one with any refused address among public ones', async () => {
    const resolver = stubResolver({ 'mail.attacker.example': ['127.0.0.1'], 'mixed.example': ['93.184.216.34', '10.0.0.7'], 'v6.attacker.example': ['::ffff:127.0.0.1'] });
    const outbound = createOutbound({ resolver });
    for (const host of ['mail.attacker.example', 'mixed.example', 'v6.attacker.example']) {
      await assert.rejects(outbound.connect({ host, port: target.port }), (error: Error) => refusedError(error) && error.message.includes(`${host} is not allowed: it resolves to`), host);
    }
    assert.equal(target.connections(), 0);
  });

  it('refuses localhost as the system resolver answers it (/etc/hosts)', async () => {
    await assert.rejects(createOutbound().connect({ host: 'localhost', port: target.port }), refusedError);
    await assert.rejects(createOutbound().connect({ host: 'LOCALHOST.', port: target.port }), refusedError);
    assert.equal(target.connections(), 0);
  });

  it('resolves once per connection and connects to the address it checked (no second resolution to rebind)', async () => {
    let answers = 0;
    // A rebinding name: public at the first question, loopback afterwards.
    const resolver = stubResolver({ 'rebind.example': () => (answers++ === 0 ? ['93.184.216.34'] : ['127.0.0.1']) });
    const outbound = createOutbound({ resolver });
    assert.deepEqual(await outbound.resolve('rebind.example'), [{ address: '93.184.216.34', family: 4 }]);
    // The connection asks again, gets loopback, and refuses it: the check is made on what is connected to.
    await assert.rejects(outbound.connect({ host: 'rebind.example', port: target.port }), refusedError);
    assert.equal(target.connections(), 0);

    const allowed = createOutbound({ resolver: stubResolver({ 'mail.internal.example': ['127.0.0.1'] }), policy: parseAddressPolicy('127.0.0.0/8') });
    const socket = await allowed.connect({ host: 'mail.internal.example', port: target.port });
    assert.equal(socket.remoteAddress, '127.0.0.1');
    socket.destroy();
  });

  it('reaches what the installation allows: a range, or a host name trusted as such', async () => {
    const byRange = await createOutbound({ policy: parseAddressPolicy('127.0.0.0/8') }).connect({ host: '127.0.0.1', port: target.port });
    assert.equal(byRange.remoteAddress, '127.0.0.1');
    byRange.destroy();
    const resolver = stubResolver({ 'relay.internal': ['127.0.0.1'] });
    const byName = await createOutbound({ policy: parseAddressPolicy('relay.internal'), resolver }).connect({ host: 'relay.internal', port: target.port });
    assert.equal(byName.remoteAddress, '127.0.0.1');
    byName.destroy();
    // The name is trusted, not the address: the same address under another name stays refused.
    await assert.rejects(createOutbound({ policy: parseAddressPolicy('relay.internal'), resolver }).connect({ host: '127.0.0.1', port: target.port }), refusedError);
  });

  it('says what failed in one line, without a stack: unreachable, unresolved', async () => {
    const closed = await countingServer();
    await closed.close();
    const outbound = createOutbound({ policy: parseAddressPolicy('127.0.0.0/8'), resolver: stubResolver({}) });
    await assert.rejects(outbound.connect({ host: '127.0.0.1', port: closed.port, what: 'SMTP relay' }), (error: OutboundError) => {
      assert.equal(error.code, 'OUTBOUND_FAILED');
      assert.equal(error.message, `Could not connect to the SMTP relay 127.0.0.1:${closed.port}: ECONNREFUSED.`);
      assert.equal(error.stack, `OutboundError: ${error.message}`);
      return true;
    });
    await assert.rejects(outbound.connect({ host: 'nowhere.example', port: 25, what: 'SMTP relay' }), (error: OutboundError) => error.code === 'OUTBOUND_UNRESOLVED' && /nowhere\.example could not be resolved \(ENOTFOUND\)/.test(error.message));
  });
});

describe('SMTP through the guarded connector', () => {
  let relay: SMTPServer;
  let port: number;
  const received: string[] = [];
  before(async () => {
    relay = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream).then((mail) => {
          received.push(mail.subject ?? '');
          callback();
        }, callback);
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
    port = (relay.server.address() as AddressInfo).port;
  });
  after(async () => new Promise<void>((resolve) => relay.close(() => resolve())));

  it('refuses a loopback relay by default, and reaches the real one once loopback is allowed', async () => {
    const message = { from: 'a@acme.example', to: 'b@customer.example', subject: 'guarded', text: 'x' };
    await assert.rejects((await guardedSmtpTransport(createOutbound(), `smtp://127.0.0.1:${port}`)).sendMail(message), /127\.0\.0\.1 is not allowed/);
    assert.deepEqual(received, []);
    await (await guardedSmtpTransport(createOutbound({ policy: parseAddressPolicy('127.0.0.0/8') }), `smtp://127.0.0.1:${port}`)).sendMail(message);
    assert.deepEqual(received, ['guarded']);
  });

  it('trusts by name a relay the installation configures itself (SMTP_URL), not others', async () => {
    const message = { from: 'a@acme.example', to: 'b@customer.example', subject: 'installation relay', text: 'x' };
    await (await guardedSmtpTransport(createOutbound().trusting('127.0.0.1'), `smtp://127.0.0.1:${port}`)).sendMail(message);
    assert.ok(received.includes('installation relay'));
    await assert.rejects((await guardedSmtpTransport(createOutbound().trusting('127.0.0.1'), `smtp://[::ffff:127.0.0.1]:${port}`)).sendMail(message), /not allowed/);
  });
});

/**
 * The smallest IMAP server imapflow signs in to and out of: a greeting, CAPABILITY, OK to every other
 * command, BYE to LOGOUT. (The mail suites use a real Dovecot where one is installed.)
 */
async function tinyImapServer(): Promise<{ port: number; commands: string[]; close(): Promise<void> }> {
  const commands: string[] = [];
  const server = createServer((socket) => {
    socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n');
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const [tag, command = ''] = line.split(' ');
        commands.push(command.toUpperCase());
        if (command.toUpperCase() === 'CAPABILITY') socket.write('* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n');
        if (command.toUpperCase() === 'LOGOUT') socket.write('* BYE bye\r\n');
        socket.write(`${tag} OK done\r\n`);
        if (command.toUpperCase() === 'LOGOUT') socket.end();
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, commands, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('IMAP through the guarded connector', () => {
  let imap: Awaited<ReturnType<typeof tinyImapServer>>;
  before(async () => {
    imap = await tinyImapServer();
  });
  after(async () => imap.close());

  it('refuses a loopback IMAP server by default, opening no connection, and signs in once loopback is allowed', async () => {
    const options = { host: '127.0.0.1', port: imap.port, secure: false, auth: { user: 'u', pass: 'p' }, logger: false as const, connectionTimeout: 10_000 };
    await assert.rejects((await guardedImapClient(createOutbound(), options)).connect(), (error: Error) => refusedError(error) && /IMAP server 127\.0\.0\.1/.test(error.message));
    assert.equal(imap.commands.length, 0, imap.commands.join(" "));
    const resolver = stubResolver({ 'imap.attacker.example': ['127.0.0.1'] });
    await assert.rejects((await guardedImapClient(createOutbound({ resolver }), { ...options, host: 'imap.attacker.example' })).connect(), refusedError);
    assert.equal(imap.commands.length, 0, imap.commands.join(" "));

    const client = await guardedImapClient(createOutbound({ policy: parseAddressPolicy('127.0.0.0/8'), resolver: stubResolver({ 'imap.internal.example': ['127.0.0.1'] }) }), { ...options, host: 'imap.internal.example' });
    await client.connect();
    await client.logout();
    assert.ok(imap.commands.includes('LOGIN') || imap.commands.includes('AUTHENTICATE'), imap.commands.join(' '));
  });
});

describe('HTTP through the guarded connector (webhooks, identity providers)', () => {
  let canary: Canary;
  before(async () => {
    canary = await startCanary();
  });
  after(async () => canary.close());

  it('refuses a loopback URL and a name resolving there, sending no request; reaches it once allowed', async () => {
    const resolver = stubResolver({ 'hooks.attacker.example': ['127.0.0.1'] });
    await assert.rejects(guardedFetch(createOutbound({ resolver }), `${canary.origin}/hook`, { what: 'webhook' }), (error: Error) => refusedError(error) && /webhook 127\.0\.0\.1/.test(error.message));
    await assert.rejects(guardedFetch(createOutbound({ resolver }), `http://hooks.attacker.example:${canary.port}/hook`), refusedError);
    await assert.rejects(guardedFetch(createOutbound(), `http://[::ffff:127.0.0.1]:${canary.port}/hook`), refusedError);
    await assert.rejects(guardedFetch(createOutbound(), `file:///etc/passwd`), refusedError);
    assert.deepEqual(canary.requests, []);

    const allowed = createOutbound({ resolver: stubResolver({ 'idp.internal.example': ['127.0.0.1'] }), policy: parseAddressPolicy('127.0.0.0/8') });
    const answer = await guardedFetch(allowed, `http://idp.internal.example:${canary.port}/.well-known/openid-configuration`, { method: 'POST', body: 'x=1' });
    assert.equal(answer.status, 200);
    assert.equal(await answer.text(), 'canary');
    assert.deepEqual(canary.requests, ['POST /.well-known/openid-configuration']);
  });
});
