/**
 * Replays, request for request, the .NET SDK's recorded sessions with Azure (data/recordings/dotnet) that build what
 * they use (they start by creating their project): the same method, the same path (`//customvision/v3.x/...`, as the
 * .NET client writes it with a trailing-slash endpoint), query and body, with Azure's ids replaced by the ones this
 * server gave. Each answer must have Azure's status and Azure's properties, object by object, in that version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jpeg } from './helpers/images.ts';
import { startTestServer, type TestServer, TRAINING_KEY } from './helpers/test-server.ts';

const dir = new URL('../../../data/recordings/dotnet/Training/', import.meta.url);

interface Entry {
  RequestUri: string;
  RequestMethod: string;
  RequestBody: string | null;
  ResponseBody: string | null;
  StatusCode: number;
}

const sessions = readdirSync(dir)
  .map((f) => ({ name: f.replace(/\.json$/, ''), entries: readJson(f).Entries as Entry[] }))
  .filter((sess) => sess.entries[0]?.RequestMethod === 'POST' && /\/projects\?/.test(sess.entries[0].RequestUri));

function readJson(f: string) {
  return JSON.parse(readFileSync(new URL(f, dir), 'utf8'));
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

let s: TestServer;
let origin: Server;
let imageUrl: string;
beforeAll(async () => {
  const served = await jpeg(90, 160);
  origin = createHttpServer((_req, res) => res.end(served));
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  imageUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/hemlock_1.jpg`;
  s = await startTestServer({ allowPrivateUrls: true });
});
afterAll(async () => {
  origin?.closeAllConnections();
  origin?.close();
  await s?.stop();
});

function send(method: string, path: string, body: string | null): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(s.url);
    const headers: Record<string, string> = { 'Training-Key': TRAINING_KEY };
    if (body) headers['Content-Type'] = 'application/json; charset=utf-8';
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/** Learns Azure id → our id from two answers of the same shape, and lists where their properties differ. */
function compare(theirs: unknown, ours: unknown, ids: Map<string, string>, at: string, out: string[]): void {
  if (typeof theirs === 'string' && typeof ours === 'string' && /^[0-9a-f-]{36}$/i.test(theirs)) {
    if (theirs !== ours) ids.set(theirs.toLowerCase(), ours);
    return;
  }
  if (Array.isArray(theirs) && Array.isArray(ours)) {
    theirs.forEach((t, i) => {
      compare(t, ours[i], ids, `${at}[${i}]`, out);
    });
    return;
  }
  if (!theirs || typeof theirs !== 'object' || !ours || typeof ours !== 'object') return;
  const a = Object.keys(theirs);
  const b = Object.keys(ours);
  for (const k of a) if (!b.includes(k)) out.push(`${at}.${k} missing`);
  for (const k of b) if (!a.includes(k)) out.push(`${at}.${k} extra`);
  for (const k of a) compare((theirs as never)[k], (ours as never)[k], ids, `${at}.${k}`, out);
}

describe('.NET recorded sessions replayed against cvkit', () => {
  it('finds the self-contained sessions, under v3.0, v3.1 and v3.4-preview', () => {
    expect(sessions.map((x) => x.name).sort()).toEqual([
      'CreateImageFromUrl',
      'CreateUpdateDeleteProject',
      'CreateUpdateDeleteTag',
    ]);
  });

  for (const session of sessions) {
    it(`${session.name}: Azure's status and properties for every request`, async () => {
      const ids = new Map<string, string>();
      const differences: string[] = [];
      for (const [i, e] of session.entries.entries()) {
        const map = (text: string) =>
          text
            .replace(UUID, (id) => ids.get(id.toLowerCase()) ?? id)
            .replace(/https:\/\/raw\.githubusercontent\.com\/[^"]+/g, imageUrl);
        const path = map(e.RequestUri);
        expect(path.startsWith('//customvision/')).toBe(true);
        const res = await send(e.RequestMethod, path, e.RequestBody ? map(e.RequestBody) : null);
        const label = `${i} ${e.RequestMethod} ${e.RequestUri.replace(UUID, '{id}')}`;
        expect(`${label} → ${res.status}`).toBe(`${label} → ${e.StatusCode}`);
        if (e.ResponseBody) {
          // Property names are compared at every depth; values are not (ids, dates and blob URLs differ).
          compare(JSON.parse(e.ResponseBody), JSON.parse(res.text), ids, label, differences);
        }
      }
      expect(differences).toEqual([]);
    });
  }
});
