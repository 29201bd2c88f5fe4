/**
 * What the commands print. Progress redraws one bar in place on a terminal; elsewhere (logs, CI, a parent process)
 * it prints one plain line per step, which is also what a script can follow.
 */
export interface Output {
  log(line: string): void;
  progress(label: string, done: number, total: number): void;
}

export function terminalOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  let open = false;
  return {
    log(line) {
      if (open) stream.write('\n');
      open = false;
      stream.write(`${line}\n`);
    },
    progress(label, done, total) {
      if (!stream.isTTY) {
        stream.write(`${label}: ${done}/${total}\n`);
        return;
      }
      const width = 30;
      const filled = total ? Math.round((width * Math.min(done, total)) / total) : width;
      stream.write(`\r${label} [${'='.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${total}\x1b[K`);
      open = done < total;
      if (!open) stream.write('\n');
    },
  };
}

export function collectingOutput(): Output & { lines: string[] } {
  const lines: string[] = [];
  return { lines, log: (l) => lines.push(l), progress: (l, d, t) => lines.push(`${l}: ${d}/${t}`) };
}

/** Columns padded to their widest cell, numbers right-aligned. */
export function formatTable(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[], raw: (string | number)[] = r) =>
    r
      .map((c, i) => (typeof raw[i] === 'number' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(r.map(String), r))].join(
    '\n',
  );
}
