/**
 * Dates stay strings in every result: the SDK returns the ISO-8601 text the service sent, exactly as typed by the
 * contract, so nothing is lost or reinterpreted and results serialise back unchanged. Azure writes two formats:
 * `2020-11-06T16:37:26.266Z` (projects, iterations, predictions) and `2019-03-21T01:31:11.6094494` (images, tags,
 * regions: seven fraction digits and no zone, meaning UTC). `parseServiceDate` reads both.
 */

const isoDateTime = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Converts a service timestamp to a `Date`, reading a timestamp without zone as UTC (JavaScript would read it as
 * local time) and ignoring digits beyond milliseconds.
 *
 * @example
 * ```ts
 * parseServiceDate('2019-03-21T01:31:11.6094494').toISOString(); // '2019-03-21T01:31:11.609Z'
 * ```
 */
export function parseServiceDate(value: string): Date {
  const match = isoDateTime.exec(value.trim());
  if (!match) return new Date(Number.NaN);
  const [, dateTime, fraction = '', zone = 'Z'] = match;
  const millis = fraction ? `.${fraction.slice(0, 3).padEnd(3, '0')}` : '';
  return new Date(`${dateTime}${millis}${zone.toUpperCase()}`);
}
