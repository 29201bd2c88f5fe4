/**
 * Query strings the way the Azure services read them: arrays comma-separated in one parameter (`?tagIds=a,b`, the
 * swagger's `collectionFormat: csv`), spaces as `%20` rather than `+`, and absent values left out.
 */

export type QueryValue = string | number | boolean | null | undefined | readonly (string | number | boolean)[];

const encode = (value: string | number | boolean) => encodeURIComponent(String(value));

/** Serialises a query object; returns '' when nothing is set. Keys keep `$` (as in `$filter`) unescaped. */
export function serializeQuery(query: object | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query as Record<string, QueryValue>)) {
    if (value === undefined || value === null) continue;
    const name = encodeURIComponent(key).replace(/%24/g, '$');
    if (Array.isArray(value)) {
      // An empty list means "no filter"; sending `tagIds=` would mean "the tag with an empty id".
      if (value.length === 0) continue;
      parts.push(`${name}=${value.map(encode).join(',')}`);
    } else {
      parts.push(`${name}=${encode(value as string | number | boolean)}`);
    }
  }
  return parts.join('&');
}

/** Fills `{name}` placeholders of a path template with URL-encoded values. */
export function expandPath(template: string, params: object | undefined): string {
  const values = (params ?? {}) as Record<string, string | number | undefined>;
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined || value === null || value === '') {
      throw new TypeError(`Missing path parameter "${name}" for ${template}`);
    }
    return encodeURIComponent(String(value));
  });
}
