import { createServer } from './app.ts';
import { checkExposure, configFromArgs, developmentKeysInUse } from './config.ts';
import { DataDirLockedError } from './storage/data-dir-lock.ts';

const config = (() => {
  try {
    const config = configFromArgs(process.argv.slice(2), process.env);
    if (!('help' in config)) checkExposure(config);
    return config;
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
})();
if ('help' in config) {
  console.log(config.help);
  process.exit(0);
}
const server = await createServer(config).catch((e: Error) => {
  // A data directory held by another server is an operator error: say so plainly, without a stack trace.
  if (e instanceof DataDirLockedError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
});
const url = await server.listen();
server.logger.info('cvkit server listening', {
  url,
  dataDir: config.dataDir,
  training: `${url}/customvision/v3.3/training`,
  prediction: `${url}/customvision/v3.1/prediction`,
});
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
