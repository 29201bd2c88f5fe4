/**
 * Azure Custom Vision writes dates two ways, and clients parse what they saw:
 * projects, iterations and predictions as ISO 8601 UTC with `Z` and up to 3 fraction digits (trailing zeros trimmed),
 * images, image tags and regions with 7 fraction digits and no zone designator.
 */
export function entityDate(d: Date): string {
  return d
    .toISOString()
    .replace(/\.?0+Z$/, 'Z')
    .replace(/\.Z$/, 'Z');
}

export function imageDate(d: Date): string {
  return `${d.toISOString().slice(0, 23)}0000`;
}
