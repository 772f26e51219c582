import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from './net.ts';

/**
 * A throwaway Dovecot IMAP server on a loopback port, with a plaintext passdb in a temp directory
 * (Debian's `dovecot-imapd`; .ci/run installs it). Mail is delivered into it with IMAP APPEND.
 */
export type Dovecot = { readonly port: number; readonly host: string; stop(): Promise<void> };

const uidOf = (name: string) => Number(execFileSync('id', ['-u', name]).toString().trim());
const gidOf = (name: string) => Number(execFileSync('id', ['-g', name]).toString().trim());

export async function startDovecot(users: Record<string, string>): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'td-dovecot-'));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  // As root, Dovecot's own users run it and mail is owned by `nobody`; otherwise everything runs as us.
  const me = userInfo().username;
  const mailUser = root ? 'nobody' : me;
  const [uid, gid] = [uidOf(mailUser), gidOf(mailUser)];
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub), { recursive: true });
  if (root) {
    // Dovecot's auth process (user dovecot) reads the passdb; mail processes (nobody) write the mail.
    chmodSync(dir, 0o755);
    chownSync(join(dir, 'mail'), uid, gid);
  }
  writeFileSync(join(dir, 'passwd'), Object.entries(users).map(([user, pass]) => `${user}:{PLAIN}${pass}\n`).join(''), { mode: 0o644 });
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = ${Math.min(uid, 100)}
default_login_user = ${root ? 'dovenull' : me}
default_internal_user = ${root ? 'dovecot' : me}
${root ? '' : `default_internal_group = ${execFileSync('id', ['-gn']).toString().trim()}\n`}passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
service submission-login {
  inet_listener submission {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp {
    mode = 0600
  }
}
`,
  );
  const child: ChildProcess = spawn('dovecot', ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  await waitForPort(port, () => (child.exitCode !== null ? `dovecot exited (${child.exitCode}): ${stderr}` : undefined));
  return {
    port,
    host: '127.0.0.1',
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, failed: () => string | undefined): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const why = failed();
    if (why) throw new Error(why);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dovecot did not listen on 127.0.0.1:${port}`);
}
