/**
 * Type machinery for the operation tables: each table row names its method and path, and the compiler checks them
 * against the generated `paths` type, so a row pointing at the wrong route or reading the body the wrong way does
 * not build.
 */
import type { OperationSpec } from './http/http-client.js';
import type { ResultOf } from './spec-types.js';

type LowerMethod = 'get' | 'post' | 'patch' | 'delete';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/** Every `{ method, path }` under which `Paths` serves exactly the operation type `Op`. */
type RoutesOf<Paths, Op> = {
  [P in keyof Paths & string]: {
    [M in LowerMethod]: M extends keyof Paths[P]
      ? Same<NonNullable<Paths[P][M]>, Op> extends true
        ? { method: Uppercase<M>; path: P }
        : never
      : never;
  }[LowerMethod];
}[keyof Paths & string];

type ResponseKind<Op> = [ResultOf<Op>] extends [undefined] ? 'none' : [ResultOf<Op>] extends [Blob] ? 'blob' : 'json';

/** The row type for operation `Op`: its real route, how its body is read, and whether it may be repeated. */
export type OperationRow<Paths, Op> = RoutesOf<Paths, Op> & { idempotent: boolean; response: ResponseKind<Op> };

export type OperationTable<Paths, Ops> = { [K in keyof Ops]: OperationRow<Paths, Ops[K]> };

/** Adds each row's key as its `id`. */
export function withIds<T extends Record<string, Omit<OperationSpec, 'id'>>>(
  table: T,
): { readonly [K in keyof T]: OperationSpec & T[K] & { id: K } } {
  return Object.fromEntries(Object.entries(table).map(([id, row]) => [id, Object.freeze({ id, ...row })])) as {
    [K in keyof T]: OperationSpec & T[K] & { id: K };
  };
}
