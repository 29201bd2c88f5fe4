import type { Request, Response } from 'express';

interface Doc {
  info: { title: string; description?: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, { operationId: string; summary?: string; description?: string }>>;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A plain HTML index of every operation, rendered from the same documents as /openapi.json. */
export function apiPage(docs: Doc[]) {
  const sections = docs
    .map((doc) => {
      const rows = Object.entries(doc.paths)
        .flatMap(([path, ops]) =>
          Object.entries(ops).map(
            ([method, op]) =>
              `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(op.operationId)}</td><td>${escapeHtml(op.summary ?? '')}${op.description ? `<br><small>${escapeHtml(op.description)}</small>` : ''}</td></tr>`,
          ),
        )
        .join('\n');
      return `<h2>${escapeHtml(doc.info.title)}</h2><p>${escapeHtml(doc.info.description ?? '')}</p>
<p>Base URLs: ${doc.servers.map((s) => `<code>${escapeHtml(s.url)}</code>`).join(', ')}</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Operation</th><th>What it does</th></tr></thead><tbody>${rows}</tbody></table>`;
    })
    .join('\n');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cvkit API</title>
<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}code{font-size:.9em}</style>
</head><body><h1>cvkit API</h1><p>Machine-readable: <a href="/openapi/training.json">training</a>, <a href="/openapi/prediction.json">prediction</a>.</p>${sections}</body></html>`;
  return (_req: Request, res: Response) => {
    res.type('html').send(html);
  };
}
