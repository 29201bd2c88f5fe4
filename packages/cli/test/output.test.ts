import { describe, expect, it } from 'vitest';
import { formatTable, terminalOutput } from '../src/output.ts';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, s: { isTTY, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream };
}

describe('progress', () => {
  it('redraws one bar in place on a terminal and ends the line when done or when a log line comes', () => {
    const { written, s } = stream(true);
    const out = terminalOutput(s);
    out.progress('trees: images', 4, 8);
    out.log('a message');
    out.progress('trees: images', 8, 8);
    expect(written[0]).toBe(`\rtrees: images [${'='.repeat(15)}${' '.repeat(15)}] 4/8\x1b[K`);
    expect(written.slice(1, 3)).toEqual(['\n', 'a message\n']);
    expect(written.slice(3)).toEqual([`\rtrees: images [${'='.repeat(30)}] 8/8\x1b[K`, '\n']);
  });

  it('prints plain lines elsewhere (logs, pipes)', () => {
    const { written, s } = stream(false);
    terminalOutput(s).progress('trees: images', 4, 8);
    expect(written).toEqual(['trees: images: 4/8\n']);
  });
});

describe('formatTable', () => {
  it('pads columns, numbers to the right', () => {
    expect(
      formatTable(
        ['project', 'copied'],
        [
          ['trees', 23],
          ['fork and scissors', 7],
        ],
      ).split('\n'),
    ).toEqual([
      'project            copied',
      '-----------------  ------',
      'trees                  23',
      'fork and scissors       7',
    ]);
  });
});
