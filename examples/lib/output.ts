/**
 * What the examples print: plain lines, and progress for long steps (uploads, downloads, training) that redraws
 * one line on a terminal and prints a few milestones otherwise (logs, CI).
 */
export interface Output {
  log(line: string): void;
  /** Reports `done` of `total` units of `label`; call with done === total to finish the line. */
  progress(label: string, done: number, total?: number): void;
}

/** Prints to the console; progress redraws in place when stdout is a terminal. */
export function consoleOutput(stream: NodeJS.WriteStream = process.stdout): Output {
  let open = false; // a progress line without its newline yet
  let lastMilestone = new Map<string, number>();
  const lastPrinted = new Map<string, number>();
  const endLine = () => {
    if (open) stream.write('\n');
    open = false;
  };
  return {
    log(line) {
      endLine();
      stream.write(`${line}\n`);
    },
    progress(label, done, total) {
      const finished = total !== undefined && done >= total;
      const text = total !== undefined ? `${label} ${bar(done, total)} ${done}/${total}` : `${label} ${done}`;
      if (stream.isTTY) {
        stream.write(`\r${text}\x1b[K`);
        open = true;
        if (finished) endLine();
        return;
      }
      // Not a terminal (logs, CI): counts print at each quarter and at the end, open-ended ones every 5 s.
      if (total === undefined) {
        const now = Date.now();
        if (now - (lastPrinted.get(label) ?? 0) >= 5_000) {
          lastPrinted.set(label, now);
          stream.write(`${text}\n`);
        }
        return;
      }
      const quarter = total ? Math.floor((4 * done) / total) : 4;
      if (finished || lastMilestone.get(label) !== quarter) {
        lastMilestone.set(label, quarter);
        stream.write(`${text}\n`);
      }
      if (finished) lastMilestone = new Map([...lastMilestone].filter(([k]) => k !== label));
    },
  };
}

/** Discards everything (tests). */
export const silentOutput: Output = { log() {}, progress() {} };

/** Keeps the lines (tests that check what a user would see). */
export function memoryOutput(): Output & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    log: (line) => lines.push(line),
    progress: (label, done, total) => {
      if (total === undefined || done >= total) lines.push(`${label} ${done}${total === undefined ? '' : `/${total}`}`);
    },
  };
}

function bar(done: number, total: number, width = 24): string {
  const filled = total ? Math.round((width * Math.min(done, total)) / total) : width;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Formats a 0–1 figure as a percentage with one decimal. */
export function pct(x: number | undefined | null): string {
  return x === undefined || x === null ? '   n/a' : `${(100 * x).toFixed(1).padStart(5)}%`;
}

/** A small fixed-width table. */
export function table(head: string[], rows: (string | number)[][]): string[] {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(fmt)];
}
