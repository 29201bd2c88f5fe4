import { checkExposure, configFromArgs } from './config.ts';
import { serve } from './serve.ts';

if (process.argv[2] === 'migrate-storage') {
  const { migrateStorageCli } = await import('./storage/migrate-storage.ts');
  process.exit(await migrateStorageCli(process.argv.slice(3), process.env));
}

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
await serve(config);
