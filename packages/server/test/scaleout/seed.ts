import { jpeg, multipart } from '../helpers/images.ts';
import { json, type TestServer } from '../helpers/test-server.ts';

/** A project ready to train: tags `warm` and `cold` with five distinct reddish and bluish photos each. */
export async function trainableProject(s: TestServer, query: string): Promise<{ id: string }> {
  const p = await json<{ id: string }>(s.train(`/projects?${query}`, { method: 'POST' }));
  for (const [name, rgb] of [
    ['warm', [250, 20, 0]],
    ['cold', [0, 20, 250]],
  ] as const) {
    const tag = await json<{ id: string }>(s.train(`/projects/${p.id}/tags?name=${name}`, { method: 'POST' }));
    const files = await Promise.all([0, 1, 2, 3, 4].map((i) => jpeg(12, 12, [rgb[0], i * 20, rgb[2]])));
    const res = await s.train(`/projects/${p.id}/images?tagIds=${tag.id}`, {
      method: 'POST',
      body: multipart(files.map((bytes, i) => ({ name: `${i}.jpg`, bytes }))),
    });
    if (res.status !== 200) throw new Error(`upload: ${res.status} ${await res.text()}`);
  }
  return p;
}
