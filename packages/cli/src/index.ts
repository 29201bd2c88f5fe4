/**
 * The cvkit command line as a library: migration between Custom Vision endpoints and dataset conversion. The
 * dataset formats alone (browser-safe) are in `@cvkit/cli/formats`.
 */
export { runCli } from './cli.ts';
export { readTree, writeTree } from './file-tree.ts';
export { copied, type MigrateOptions, migrate, type ProjectReport, succeeded } from './migrate.ts';
export { type MigrationState, type ProjectState, StateFile } from './migrate-state.ts';
export { collectingOutput, formatTable, type Output, terminalOutput } from './output.ts';
export { projectKind, readProject, type WriteProjectOptions, writeProject } from './project-dataset.ts';
export { downloadImage, mapDomain } from './transfer.ts';
