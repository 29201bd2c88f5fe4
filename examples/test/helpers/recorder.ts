/**
 * Records which API methods a test file called, how they answered, and whether the tests that called them passed,
 * into a JSON file per file and client under `$CVKIT_COMPAT_RESULTS_DIR` (default `<tmp>/cvkit-compat-results`).
 * `examples/scripts/coverage-table.ts` turns these files into docs/compatibility.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResponseEvent } from '@cvkit/sdk';
import { afterAll, beforeEach } from 'vitest';

export type ClientName =
  | '@cvkit/sdk'
  | 'official-training'
  | 'official-prediction'
  | 'python-training'
  | 'python-prediction';

export interface MethodRecord {
  calls: number;
  ok: number;
  /** Error answers seen, as `"<status> <code>"` → count. */
  errors: Record<string, number>;
  /** Names of the tests that called the method → `pass` / `fail`. */
  tests: Record<string, string>;
}

export interface RecordFile {
  client: ClientName;
  suite: string;
  methods: Record<string, MethodRecord>;
  /** Free-form facts a suite wants in the table (e.g. export platform outcomes). */
  facts?: Record<string, unknown>;
}

export function resultsDir(): string {
  return process.env.CVKIT_COMPAT_RESULTS_DIR ?? join(tmpdir(), 'cvkit-compat-results');
}

const SETUP = '(setup)';

export class Recorder {
  readonly methods = new Map<string, MethodRecord>();
  readonly facts: Record<string, unknown> = {};
  private current = SETUP;
  private readonly states = new Map<string, string>();

  constructor(
    readonly client: ClientName,
    readonly suite: string,
  ) {
    beforeEach((ctx) => {
      this.current = ctx.task.name;
      ctx.onTestFinished((done) => {
        this.states.set(done.task.name, done.task.result?.state ?? 'fail');
        this.current = SETUP;
      });
    });
    afterAll(() => this.write());
  }

  hit(method: string, outcome: { ok: boolean; status?: number | undefined; code?: string | undefined }) {
    let r = this.methods.get(method);
    if (!r) {
      r = { calls: 0, ok: 0, errors: {}, tests: {} };
      this.methods.set(method, r);
    }
    r.calls++;
    if (outcome.ok) r.ok++;
    else {
      const key = `${outcome.status ?? 'no-status'} ${outcome.code ?? ''}`.trim();
      r.errors[key] = (r.errors[key] ?? 0) + 1;
    }
    r.tests[this.current] = 'pending';
  }

  /** The `onResponse` hook of @cvkit/sdk clients. */
  readonly onResponse = async (e: ResponseEvent) => {
    if (e.attempt > 0) return; // a retry of a call already counted
    let code: string | undefined;
    if (!e.response.ok) {
      const body = (await e.response
        .clone()
        .json()
        .catch(() => undefined)) as { code?: string } | undefined;
      code = body?.code;
    }
    this.hit(e.operationId, { ok: e.response.ok, status: e.response.status, code });
  };

  write(): void {
    const tests = [...this.states.values()];
    const setupState = tests.length && tests.every((s) => s === 'pass' || s === 'skip') ? 'pass' : 'fail';
    const methods: Record<string, MethodRecord> = {};
    for (const [name, r] of [...this.methods].sort(([a], [b]) => a.localeCompare(b))) {
      const t: Record<string, string> = {};
      for (const test of Object.keys(r.tests))
        t[test] = test === SETUP ? setupState : (this.states.get(test) ?? 'fail');
      methods[name] = { ...r, tests: t };
    }
    const file: RecordFile = { client: this.client, suite: this.suite, methods, facts: this.facts };
    const dir = resultsDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${this.client.replace(/[^\w-]+/g, '_')}--${this.suite.replace(/[^\w-]+/g, '_')}.json`),
      `${JSON.stringify(file, null, 2)}\n`,
    );
  }
}

/**
 * Wraps an official AutoRest client (@azure/cognitiveservices-customvision-*) so that each call of its API methods is
 * recorded with its outcome (`_response.status`, or the RestError's `statusCode` and `code`).
 */
export function recordOfficial<T extends object>(client: T, recorder: Recorder): T {
  const api = new Set(
    Object.getOwnPropertyNames(Object.getPrototypeOf(client)).filter(
      (n) => n !== 'constructor' && typeof (client as Record<string, unknown>)[n] === 'function',
    ),
  );
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !api.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const p = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        p.then(
          (r) =>
            recorder.hit(prop, {
              ok: true,
              status: (r as { _response?: { status?: number } } | undefined)?._response?.status,
            }),
          (e: { statusCode?: number; code?: string; body?: { code?: string } }) =>
            recorder.hit(prop, { ok: false, status: e?.statusCode, code: e?.body?.code ?? e?.code }),
        );
        return p;
      };
    },
  });
}
