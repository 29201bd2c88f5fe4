#!/usr/bin/env node
// Runs the built server (dist/cli.js; `npm run build -w @cvkit/server` or `npm start` makes it in a checkout).
// Installed from the package, @cvkit/ml is built too. In the workspace it resolves to its TypeScript sources unless
// Node is given the `cvkit-built` condition, so there the bin starts Node again with it, as `npm start` does.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error(`${fileURLToPath(cli)} is missing: run \`npm run build -w @cvkit/server\` first.`);
  process.exit(1);
}
if (import.meta.resolve('@cvkit/ml').endsWith('.ts')) {
  // A larger young generation: ClassifyImage at 8 clients took about 15 % less CPU per prediction (docs/benchmarks.md).
  const args = ['--max-semi-space-size=32', '--conditions=cvkit-built', fileURLToPath(cli), ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  await import(cli.href);
}
