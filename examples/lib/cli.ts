/** Lets each example be both a module (tests import `main`) and a script (`npx tsx examples/<name>.ts`). */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { CustomVisionError } from '@cvkit/sdk';

/** True when the module at `moduleUrl` is the script node was asked to run. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === moduleUrl;
  } catch {
    return false;
  }
}

/** Runs `main` and turns a failure into a readable message and exit code 1. */
export function run(main: () => Promise<unknown>): void {
  main().then(
    () => {
      // The TensorFlow.js thread pool and open sockets may keep node alive a moment; the work is done.
      process.exit(process.exitCode ?? 0);
    },
    (e: unknown) => {
      if (e instanceof CustomVisionError) {
        console.error(`\n${e.name}${e.code ? ` ${e.code}` : ''}${e.status ? ` (HTTP ${e.status})` : ''}: ${e.message}`);
        if (e.requestId) console.error(`request id: ${e.requestId}`);
      } else console.error(e);
      process.exit(1);
    },
  );
}
