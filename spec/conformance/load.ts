import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const specDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Microsoft's swagger files, structure only (spec/azure/SOURCE.md): part of the repository, so never optional. */
export const azureDir = join(specDir, 'azure');

export function loadOurs(api: 'training' | 'prediction'): Record<string, unknown> {
  return YAML.parse(readFileSync(join(specDir, `${api}.yaml`), 'utf8'));
}

/** Throws when the file is missing: a conformance check that silently skips checks nothing. */
export function loadAzure(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(azureDir, file), 'utf8'));
}

export interface AllowEntry {
  /** The difference line, exactly as the comparison prints it; `*` matches any run of characters. */
  match: string;
  reason: string;
}

export function loadAllowList(): AllowEntry[] {
  return YAML.parse(readFileSync(join(specDir, 'conformance/allowlist.yaml'), 'utf8')) ?? [];
}

export function allows(entry: AllowEntry, line: string): boolean {
  const pattern = entry.match.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${pattern.join('.*')}$`).test(line);
}
