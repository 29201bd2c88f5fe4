import { expect } from 'vitest';

/**
 * Bit-for-bit equality of two float arrays, compared as bytes. `toEqual` walks a 224×224×3 array element by element
 * through its generic equality, which takes seconds per array on a busy machine; a mismatch is still reported at its
 * first differing index.
 */
export function expectSameBits(actual: Float32Array, expected: Float32Array, label = ''): void {
  expect(actual.length, `${label} length`).toBe(expected.length);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  if (a.equals(b)) return;
  const i = actual.findIndex((v, k) => !Object.is(v, expected[k]));
  expect(actual[i], `${label} at index ${i}`).toBe(expected[i]);
}
