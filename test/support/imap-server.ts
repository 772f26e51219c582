import { execFileSync } from 'node:child_process';
import type { Socket } from 'node:net';
import hoodiecrow from 'hoodiecrow-imap';
import { startDovecot } from './dovecot.ts';

/**
 * A throwaway IMAP server on a loopback port for the mail tests, each user with a password.
 * Dovecot when the machine has it (CI installs Debian's `dovecot-imapd`): the server users run.
 * Otherwise hoodiecrow-imap, installed by `npm ci`: an IMAP4rev1 server over TCP, in memory, by
 * imapflow's author, so a machine with only Node and npm runs these tests too (decision 0072).
 * TEST_IMAP_SERVER=dovecot|hoodiecrow picks one; asking for Dovecot without it fails, never skips.
 */
export type ImapServerKind = 'dovecot' | 'hoodiecrow';
export type ImapServer = { readonly port: number; readonly host: string; readonly kind: ImapServerKind; stop(): Promise<void> };

export async function startImapServer(users: Record<string, string>): Promise<ImapServer> {
  const kind = imapServerKind();
  if (kind === 'dovecot') {
    if (!hasDovecot()) throw new Error('TEST_IMAP_SERVER=dovecot, but `dovecot` cannot be run here: apt-get install -y dovecot-imapd (.ci/run does it)');
    return { ...(await startDovecot(users)), kind };
  }
  return startHoodiecrow(users);
}

export function imapServerKind(): ImapServerKind {
  const asked = process.env.TEST_IMAP_SERVER;
  if (asked === 'dovecot' || asked === 'hoodiecrow') return asked;
  if (asked) throw new Error(`TEST_IMAP_SERVER is "${asked}": use dovecot or hoodiecrow`);
  return hasDovecot() ? 'dovecot' : 'hoodiecrow';
}

function hasDovecot(): boolean {
  try {
    execFileSync('dovecot', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * One mailbox (INBOX, and Archive for moves) that every given user logs in to: hoodiecrow keeps a
 * single store, which fits these tests (one user per server). A wrong password is refused.
 */
async function startHoodiecrow(users: Record<string, string>): Promise<ImapServer> {
  const server = hoodiecrow({
    // What imapflow asks for and uses when offered (UID MOVE, UIDPLUS answers to APPEND).
    plugins: ['ID', 'ENABLE', 'UNSELECT', 'UIDPLUS', 'MOVE', 'LITERALPLUS', 'NAMESPACE', 'SPECIAL-USE', 'AUTH-PLAIN', 'SASL-IR'],
    users: Object.fromEntries(Object.entries(users).map(([user, password]) => [user, { password }])),
    storage: { INBOX: { messages: [] }, '': { separator: '/', folders: { Archive: { messages: [] } } } },
  });
  const sockets = new Set<Socket>();
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('hoodiecrow-imap did not listen on a TCP port');
  return {
    port: address.port,
    host: '127.0.0.1',
    kind: 'hoodiecrow',
    stop: async () => {
      // A client the test left open must not keep the server (and the test process) alive.
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(resolve));
    },
  };
}
