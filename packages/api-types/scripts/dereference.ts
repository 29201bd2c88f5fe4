/**
 * Inlines every local `$ref` ("#/...") of an OpenAPI document so that a reader of /openapi.json
 * needs no resolver. The `components` section stays, so names remain discoverable.
 * Throws on a cycle rather than looping; the cvkit contract has none.
 */
export function dereference<T>(doc: T): T {
  const root = doc as unknown;
  const resolvePointer = (ref: string): unknown => {
    if (!ref.startsWith('#/')) throw new Error(`Only local references are supported: ${ref}`);
    return ref
      .slice(2)
      .split('/')
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => {
        if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`Dangling reference: ${ref}`);
        return (node as Record<string, unknown>)[key];
      }, root);
  };
  const walk = (node: unknown, seen: string[]): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, seen));
    if (node === null || typeof node !== 'object') return node;
    const obj = node as Record<string, unknown>;
    if (typeof obj.$ref === 'string') {
      const ref = obj.$ref;
      if (seen.includes(ref)) throw new Error(`Reference cycle: ${[...seen, ref].join(' -> ')}`);
      const { $ref: _ignored, ...siblings } = obj;
      const target = walk(resolvePointer(ref), [...seen, ref]) as Record<string, unknown>;
      return { ...target, ...(walk(siblings, seen) as Record<string, unknown>) };
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, walk(v, seen)]));
  };
  return walk(doc, []) as T;
}
