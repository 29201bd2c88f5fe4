/** RFC 4180 CSV: fields quoted when they hold a comma, quote or line break; CRLF or LF line ends accepted. */

export function toCsv(rows: string[][]): string {
  const field = (f: string) => (/[",\r\n]/.test(f) || /^\s|\s$/.test(f) ? `"${f.replaceAll('"', '""')}"` : f);
  return rows.map((r) => r.map(field).join(',')).join('\n') + '\n';
}

export function parseCsv(input: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quoted) {
      if (c === '"' && input[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && input[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f !== ''));
}

/** Rows as objects keyed by the header row. */
export function parseCsvRecords(input: string): { header: string[]; records: Record<string, string>[] } {
  const [header = [], ...rows] = parseCsv(input);
  return {
    header,
    records: rows.map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), r[i] ?? '']))),
  };
}
