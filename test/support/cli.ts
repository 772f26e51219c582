import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { Command, CommanderError } from 'commander';
import type { CliIo } from '../../src/cli/io.ts';
import { program } from '../../src/cli/program.ts';

/**
 * The CLI two ways. `runCli` is `node bin/tenantdesk.js ...` as a person runs it: the process
 * contract (exit code, stdout, stderr, module loading, the data directory released at exit).
 * `runInProcess` drives the same `program` in the test's process, with the same environment,
 * stdin, stdout, stderr and exit code, for the cases about what a command does: a process costs
 * about two seconds of start-up before the command even begins.
 */
export const root = fileURLToPath(new URL('../../', import.meta.url));
export const bin = join(root, 'bin', 'tenantdesk.js');

export type Exit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** The environment of a command: only what it is given, as a service manager would start it. */
export function cleanEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn' };
  if (process.env.HOME) env.HOME = process.env.HOME;
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return { ...env, ...vars };
}

/** `tenantdesk <args>` in a process of its own; `input` is its stdin (none: stdin is closed). */
export function launch(args: string[], vars: Record<string, string>, input?: Buffer): { child: ChildProcess; exited: Promise<Exit> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: cleanEnv(vars), stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin?.end(input);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, exited };
}

/** Runs one CLI process to its end. */
// The timeout only catches a process that hangs: on a busy machine one command can take many seconds.
export async function runCli(args: string[], vars: Record<string, string>, options: { input?: Buffer; timeoutMs?: number } = {}): Promise<Exit> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const { child, exited } = launch(args, vars, options.input);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const exit = await exited;
    assert.notEqual(exit.signal, 'SIGKILL', `tenantdesk ${args.join(' ')} did not finish within ${timeoutMs} ms`);
    return exit;
  } finally {
    clearTimeout(timer);
  }
}

/** What a command's exit looks like in process: thrown by `exit`, past every catch of the program. */
class CommandExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** `program` with its output (help, usage errors) going to `io`, and its exits thrown, not taken. */
export function programFor(io: CliIo): Command {
  const cli = program(io);
  const quiet = (command: Command): void => {
    command.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    command.commands.forEach(quiet);
  };
  quiet(cli);
  return cli;
}

/** `tenantdesk <args>` run by the same program in this process, with `vars` as its whole environment. */
export async function runInProcess(args: string[], vars: Record<string, string>, input?: Buffer): Promise<Exit> {
  const stdout = collector();
  const stderr = collector();
  const io: CliIo = {
    env: cleanEnv(vars),
    stdin: Readable.from(input ? [input] : []),
    stdout: stdout.stream,
    stderr: stderr.stream,
    exit: (code) => {
      throw new CommandExit(code);
    },
  };
  let code = 0;
  try {
    await programFor(io).parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof CommandExit) code = error.code;
    else if (error instanceof CommanderError) code = error.exitCode;
    else throw error;
  }
  return { code, signal: null, stdout: stdout.text(), stderr: stderr.text() };
}

/** The command succeeded, printed nothing on stderr; returns stdout without its final newline. */
export function ok(exit: Exit): string {
  assert.equal(exit.code, 0, `exit code; stderr: ${exit.stderr}`);
  assert.equal(exit.stderr, '');
  return exit.stdout.replace(/\n$/, '');
}

/** The command failed with exactly one line on stderr, ending with the error code. */
export function failed(exit: Exit, code: string, message?: RegExp): string {
  assert.notEqual(exit.code, 0, `expected a failure; stdout: ${exit.stdout}`);
  assert.equal(exit.signal, null);
  assert.equal(exit.stdout, '');
  const lines = exit.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${exit.stderr}`);
  const line = lines[0]!;
  assert.ok(line.startsWith('tenantdesk: ') && line.endsWith(`[${code}]`), line);
  if (message) assert.match(line, message);
  return line;
}
