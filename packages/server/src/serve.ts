import { createServer } from './app.ts';
import { developmentKeysInUse, type ServerConfig } from './config.ts';
import type { ClassifierEngine } from './ml/classifier-engine.ts';
import { DataDirLockedError } from './storage/data-dir-lock.ts';

/**
 * Runs a server process as configured, until SIGINT or SIGTERM: API processes listen, a worker only takes jobs.
 * `engine` replaces the ML engine (tests of process topologies use a stand-in).
 */
export async function serve(config: ServerConfig, opts: { engine?: ClassifierEngine } = {}): Promise<void> {
  const server = await createServer(config, opts).catch((e: Error) => {
    // A data directory held by another server is an operator error: say so plainly, without a stack trace.
    if (e instanceof DataDirLockedError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  });
  // A worker serves no HTTP: it takes training and export jobs from the shared queue.
  if (config.role === 'worker') server.logger.info('cvkit worker ready', { role: config.role });
  else {
    const url = await server.listen();
    server.logger.info('cvkit server listening', {
      url,
      role: config.role,
      ...(config.databaseUrl ? { database: 'postgresql' } : { dataDir: config.dataDir }),
      blobs: config.blobUrl || config.blobConnectionString ? 'azure' : 'files',
      training: `${url}/customvision/v3.3/training`,
      prediction: `${url}/customvision/v3.1/prediction`,
    });
  }
  // Names the keys that are still the published defaults, never a value: logs are read by more people than keys.
  const devKeys = developmentKeysInUse(config);
  if (devKeys.length)
    server.logger.warn('using the well-known development keys; set CVKIT_TRAINING_KEY and CVKIT_PREDICTION_KEY', {
      developmentKeys: devKeys,
    });
  // Start the ML engine now rather than on the first training or prediction; it logs which runtime it chose.
  server.engine
    .describe()
    .then((engine) => server.logger.info('ML engine ready', engine))
    .catch((e: Error) => server.logger.error('ML engine failed to start', { error: e.message }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      server.logger.info('shutting down', { signal });
      server.close().then(() => process.exit(0));
    });
}
