/**
 * A progress bar on stderr, drawn only when stderr is a terminal (a redirected stderr, a log file,
 * gets nothing), at most ten times a second.
 */
export function progressBar(label: string, stream: { write(text: string): unknown; readonly isTTY?: boolean } = process.stderr): { update: (done: number, total: number) => void; finish: () => void } {
  let drawnAt = 0;
  let drawn = false;
  const draw = (done: number, total: number) => {
    const width = 30;
    const share = total ? Math.min(1, done / total) : 1;
    const bar = '#'.repeat(Math.round(share * width)).padEnd(width, '.');
    stream.write(`\r${label} [${bar}] ${Math.round(share * 100)}% ${done}/${total}`);
    drawn = true;
  };
  return {
    update: (done, total) => {
      if (!stream.isTTY || (Date.now() - drawnAt < 100 && done < total)) return;
      drawnAt = Date.now();
      draw(done, total);
    },
    finish: () => {
      if (drawn) stream.write('\n');
    },
  };
}
