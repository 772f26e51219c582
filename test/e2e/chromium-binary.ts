import { accessSync, constants, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { brotliDecompress, createBrotliDecompress } from 'node:zlib';
import { packageRoot } from '../support/package-root.ts';

const inflate = promisify(brotliDecompress);

/**
 * The Chromium the browser tests drive: CHROMIUM_PATH if set; else `chromium` on the PATH (Debian's,
 * which .ci/run installs); else the Chromium that the devDependency @sparticuz/chromium ships inside
 * its package (brotli-compressed, with the few libraries it needs: NSS, NSPR, expat), unpacked once
 * into the temp directory. So `npm ci` alone gives a machine a browser to test with (decision 0073).
 * Throws, naming the command to run, when there is none: a browser test fails, it never skips.
 */
export type ChromiumBinary = { readonly path: string; readonly env: Record<string, string>; readonly from: string };

let found: Promise<ChromiumBinary> | undefined;

export function chromiumBinary(): Promise<ChromiumBinary> {
  found ??= locate();
  return found;
}

async function locate(): Promise<ChromiumBinary> {
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`CHROMIUM_PATH is ${explicit}, which is not an executable file`);
    return { path: explicit, env: {}, from: 'CHROMIUM_PATH' };
  }
  const onPath = onThePath('chromium');
  if (onPath) return { path: onPath, env: {}, from: 'PATH' };
  const packaged = packageRoot('@sparticuz/chromium');
  if (packaged) return unpack(packaged);
  throw new Error('No Chromium for the browser tests: run `npm ci` (the devDependency @sparticuz/chromium ships one), or `apt-get install -y chromium`, or set CHROMIUM_PATH.');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onThePath(program: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const file = join(dir, program);
    if (dir && isExecutable(file)) return file;
  }
  return undefined;
}

/**
 * Unpacks the package's files into <tmp>/tenantdesk-chromium-<version>: `chromium`, its GL libraries
 * (SwiftShader) beside it, lib/ (NSS, NSPR, expat: none is needed from the system) and a font.
 * Unpacked beside the final directory and renamed into place, so two test processes starting at once
 * never see half a browser.
 */
async function unpack(root: string): Promise<ChromiumBinary> {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `tenantdesk-chromium-${version}`);
  const binary = { path: join(dir, 'chromium'), env: { LD_LIBRARY_PATH: join(dir, 'lib'), FONTCONFIG_PATH: join(dir, 'fontconfig') }, from: `@sparticuz/chromium ${version}` };
  if (existsSync(join(dir, '.complete'))) return binary;
  const bin = join(root, 'bin');
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(join(partial, 'fontconfig'), { recursive: true });
  try {
    await pipeline(createReadStream(join(bin, 'chromium.br')), createBrotliDecompress(), createWriteStream(join(partial, 'chromium'), { mode: 0o755 }));
    await Promise.all([untar(join(bin, 'swiftshader.tar.br'), partial), untar(join(bin, 'al2023.tar.br'), partial), untar(join(bin, 'fonts.tar.br'), join(partial, 'fontconfig'))]);
    // The package's own fonts.conf names the fonts' place on AWS Lambda (/tmp/fonts); this one names ours.
    writeFileSync(
      join(partial, 'fontconfig', 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fontconfig', 'fonts')}</dir>\n  <cachedir>${join(dir, 'fontconfig', 'cache')}</cachedir>\n</fontconfig>\n`,
    );
    writeFileSync(join(partial, '.complete'), '');
    renameSync(partial, dir);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    // Another process finished first: its copy is as good as ours.
    if (existsSync(join(dir, '.complete'))) return binary;
    throw new Error(`could not unpack @sparticuz/chromium into ${dir}: ${(error as Error).message}`, { cause: error });
  }
  return binary;
}

/**
 * A .tar.br of the package, read whole (a few MB) and written out: plain ustar with files, folders and
 * symbolic links, which is all these archives hold.
 */
async function untar(archive: string, into: string): Promise<void> {
  const tar = await inflate(await readFile(archive));
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (from: number, to: number) => header.subarray(from, to).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 136).trim() || '0', 8);
    const name = [field(345, 500), field(0, 100)].filter(Boolean).join('/');
    const type = field(156, 157) || '0';
    const target = join(into, name);
    if (!target.startsWith(into)) throw new Error(`${archive} names a file outside its folder: ${name}`);
    if (type === '5') mkdirSync(target, { recursive: true });
    else if (type === '0' || type === '2') {
      mkdirSync(dirname(target), { recursive: true });
      if (type === '2') symlinkSync(field(157, 257), target);
      else writeFileSync(target, tar.subarray(at + 512, at + 512 + size), { mode: parseInt(field(100, 108).trim() || '644', 8) & 0o777 });
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
}
