import { badRequest } from './errors.ts';

/**
 * Parses GetImages' `$filter`, an OData-like expression over image metadata:
 * `key eq 'value'`, `key ne 'value'`, combined with `and` / `or` and parentheses (`and` binds tighter).
 * Keys may be written bare or as `metadata/key`. Returns a predicate over an image's metadata.
 */
export function parseMetadataFilter(text: string): (m: Record<string, string>) => boolean {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];

  type Pred = (m: Record<string, string>) => boolean;
  const parseOr = (): Pred => {
    let left = parseAnd();
    while (peek()?.toLowerCase() === 'or') {
      take();
      const a = left;
      const b = parseAnd();
      left = (m) => a(m) || b(m);
    }
    return left;
  };
  const parseAnd = (): Pred => {
    let left = parseAtom();
    while (peek()?.toLowerCase() === 'and') {
      take();
      const a = left;
      const b = parseAtom();
      left = (m) => a(m) && b(m);
    }
    return left;
  };
  const parseAtom = (): Pred => {
    const t = take();
    if (t === '(') {
      const inner = parseOr();
      if (take() !== ')') throw invalid(text);
      return inner;
    }
    if (!t || t.startsWith("'") || ['and', 'or', ')'].includes(t.toLowerCase())) throw invalid(text);
    const key = t.replace(/^metadata\//i, '');
    const op = take()?.toLowerCase();
    const value = take();
    if ((op !== 'eq' && op !== 'ne') || !value?.startsWith("'")) throw invalid(text);
    const literal = value.slice(1, -1).replace(/''/g, "'");
    return op === 'eq' ? (m) => m[key] === literal : (m) => m[key] !== literal;
  };
  const pred = parseOr();
  if (pos !== tokens.length) throw invalid(text);
  return pred;
}

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(?:(\()|(\))|('(?:[^']|'')*')|([^\s()']+))/gy;
  let m: RegExpExecArray | null;
  let last = 0;
  // biome-ignore lint/suspicious/noAssignInExpressions: the sticky regex walks the string token by token
  while ((m = re.exec(text))) {
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    last = re.lastIndex;
  }
  if (text.slice(last).trim()) throw invalid(text);
  if (tokens.length > 200) throw badRequest('BadRequest', 'The $filter expression is too long.');
  return tokens;
}

const invalid = (text: string) =>
  badRequest('BadRequest', `The $filter expression is not valid: ${text.slice(0, 100)}`);
