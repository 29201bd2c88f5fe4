import { datasetsDir, haveDataset } from '../../lib/paths.ts';

/** True when the shared dataset is there; otherwise says, once per file, that the tests needing it are skipped. */
export function datasetAvailable(name: string): boolean {
  const ok = haveDataset(name);
  if (!ok)
    console.warn(
      `[examples] dataset ${name} not found under ${datasetsDir()} (set CVKIT_SHARED_DIR to its parent folder); ` +
        'skipping the tests that need it',
    );
  return ok;
}
