import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

export const specDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Microsoft's swagger files live outside the repo; CVKIT_SHARED_DIR overrides where. */
export const azureDir = resolve(process.env.CVKIT_SHARED_DIR ?? join(specDir, '../../shared'), 'reference/azure');
export const haveAzureReference = existsSync(join(azureDir, 'training-v3.3.json'));

export function loadOurs(api: 'training' | 'prediction'): Record<string, unknown> {
  return YAML.parse(readFileSync(join(specDir, `${api}.yaml`), 'utf8'));
}

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
