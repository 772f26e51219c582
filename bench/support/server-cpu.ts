import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds spent by the PostgreSQL backends serving one database, when the server runs on this
 * machine (Linux): the processes titled "postgres: ... <database> ..." in /proc, sampled every
 * 250 ms so that connections closed meanwhile still count up to their last sample. On a machine
 * shared with other work, wall time swings with the load; the server's CPU time much less so.
 * `stop()` gives null when no such process was seen (a remote server).
 */
export function serverCpu(database: string): { stop(): number | null } {
  const hz = 100; // USER_HZ on Linux
  const last = new Map<number, number>();
  // Processes looked at once and found to be something else (a pid is not reused within a run).
  const others = new Set<string>();
  const title = new RegExp(`^postgres: .*\\b${database}\\b`);
  const sample = () => {
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && !others.has(name));
    } catch {
      return;
    }
    for (const pid of pids) {
      try {
        if (!last.has(Number(pid))) {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (!title.test(cmdline)) {
            // A backend just forked still shows the postmaster's command line: look again next time.
            if (cmdline.startsWith('postgres: ') || !cmdline.includes('postgres')) others.add(pid);
            continue;
          }
        }
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        last.set(Number(pid), (Number(fields[11]) + Number(fields[12])) / hz);
      } catch {
        // The process ended between the listing and the read.
      }
    }
  };
  sample();
  const first = new Map(last);
  const timer = setInterval(sample, 250);
  return {
    stop() {
      clearInterval(timer);
      sample();
      if (!last.size) return null;
      let seconds = 0;
      for (const [pid, cpu] of last) seconds += cpu - (first.get(pid) ?? 0);
      return seconds;
    },
  };
}
