/** Entry point of the `cvkit` bin. */
import { runCli } from './cli.ts';

runCli(process.argv.slice(2)).then((code) => process.exit(code));
