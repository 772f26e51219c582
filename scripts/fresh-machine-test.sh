#!/usr/bin/env bash
# Runs `npm test` as it runs on a brand-new machine that has only Node.js and npm: in a new mount and
# network namespace (unshare -mn) with only the loopback interface, no PostgreSQL, Dovecot or Chromium
# (their binaries and folders hidden under empty ones), none of the system libraries the packaged
# Chromium brings its own copies of, a new empty /tmp, nothing on 127.0.0.1:5432 and no TEST_DATABASE_URL.
# Everything the run needs must then come from node_modules, as `npm ci` installed it, with one
# exception: MariaDB (mariadbd, mariadb-install-db) stays visible, since no npm package ships a real
# one; the osTicket import tests use it, and on a machine without it they fail at once with the
# command that installs it (test/support/private-mariadb.ts), never skip.
#
#   scripts/fresh-machine-test.sh [--npm-ci] [--subset | TEST_FILE...]
#
#   --npm-ci   run `npm ci` first, outside the namespace (the only step that uses the network)
#   --subset   a representative subset: one database test file (PGlite and PostgreSQL), a private
#              cluster test (database-restart), the IMAP test and one browser test
#   TEST_FILE  these test files only; with neither, the whole `npm test`
#
# As root (it mounts). Nothing it hides or mounts outlives it: the namespace ends with the run.
set -euo pipefail
cd "$(dirname "$0")/.."

SUBSET=(test/db/row-level-security.test.ts test/resilience/database-restart.test.ts test/mail/imap.test.ts test/e2e/service-provider.test.ts)

if [ "${TD_FRESH_MACHINE_INSIDE:-}" != 1 ]; then
  [ "$(id -u)" = 0 ] || { echo "fresh-machine-test: run it as root (it makes a mount and network namespace)" >&2; exit 1; }
  if [ "${1:-}" = --npm-ci ]; then
    shift
    npm ci --no-audit --no-fund
  fi
  [ -d node_modules ] || { echo "fresh-machine-test: node_modules is missing: run npm ci first, or pass --npm-ci" >&2; exit 1; }
  if [ "${1:-}" = --subset ]; then
    shift
    set -- "${SUBSET[@]}" "$@"
  fi
  exec env TD_FRESH_MACHINE_INSIDE=1 unshare --mount --net --propagation private -- "$0" "$@"
fi

# Inside the namespace from here on.
ip link set lo up

say() { printf 'fresh-machine-test: %s\n' "$*"; }

# A new /tmp: nothing unpacked or left by an earlier run (the Chromium unpacked from its package, clusters).
mount -t tmpfs -o mode=1777 tmpfs /tmp
empty_dir=$(mktemp -d)
empty_file=$(mktemp)
hide() {
  mount --bind "$1" "$2"
  say "hidden $2"
}

# The machine's PostgreSQL, Dovecot and Chromium: their folders, then every program of theirs on the PATH.
for dir in /usr/lib/postgresql /usr/share/postgresql /usr/lib/dovecot /usr/lib/chromium /etc/dovecot /var/run/postgresql /run/postgresql; do
  if [ -d "$dir" ]; then hide "$empty_dir" "$dir"; fi
done
for program in pg_config initdb pg_ctl postgres postmaster pg_ctlcluster psql dovecot doveadm chromium chromium-browser google-chrome; do
  while read -r path; do
    if [ -n "$path" ]; then hide "$empty_file" "$path"; fi
  done < <(type -aP "$program" 2>/dev/null || true)
done
# The system's copies of what the packaged Chromium brings (NSS, NSPR, expat): an empty file in their
# place, so a Chromium that reached for them would fail to start rather than quietly use them.
while read -r lib; do
  if [ -e "$lib" ]; then hide "$empty_file" "$lib"; fi
done < <(ldconfig -p | awk '/lib(nss3|nssutil3|nspr4|plc4|plds4|expat)\.so/ { print $NF }' | sort -u)

# The accounts those packages create: a fresh machine has no `postgres` user to run a server as.
grep -v -E '^(postgres|dovecot|dovenull):' /etc/passwd > /tmp/passwd
grep -v -E '^(postgres|ssl-cert|dovecot|dovenull):' /etc/group > /tmp/group
hide /tmp/passwd /etc/passwd
hide /tmp/group /etc/group

unset TEST_DATABASE_URL DATABASE_URL CI PG_BIN CHROMIUM_PATH TEST_IMAP_SERVER PGHOST PGPORT PGUSER PGDATABASE
export npm_config_update_notifier=false

# What a fresh machine looks like from here; a failed check stops the run.
# (type -aP lists only files that can be run; command -v and type -P also name one that cannot.)
for program in pg_config initdb postgres dovecot chromium; do
  runnable=$(type -aP "$program" || true)
  if [ -n "$runnable" ]; then say "$program can still be run: $runnable" >&2; exit 1; fi
done
if id postgres >/dev/null 2>&1; then say "the postgres user still exists" >&2; exit 1; fi
node -e "
const net = require('node:net');
const s = net.connect(5432, '127.0.0.1');
s.on('connect', () => { console.error('fresh-machine-test: something listens on 127.0.0.1:5432'); process.exit(1); });
s.on('error', () => process.exit(0));
"
if node -e "fetch('https://registry.npmjs.org/', { signal: AbortSignal.timeout(5000) }).then(() => process.exit(0), () => process.exit(1))"; then
  say "the network is reachable: not a closed namespace" >&2
  exit 1
fi
say "no network, no server on 5432, no PostgreSQL/Dovecot/Chromium on the machine: running npm test $*"

started=$(date +%s)
status=0
npm test -- "$@" || status=$?
say "npm test exited $status after $(($(date +%s) - started)) s"
exit "$status"
