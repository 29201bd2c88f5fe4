/**
 * The cvkit reference server.
 *
 * @example
 * ```ts
 * import { createServer, defaultConfig } from '@cvkit/server';
 * const server = await createServer(defaultConfig({ port: 0, dataDir: '/tmp/cvkit-demo' }));
 * const url = await server.listen(); // e.g. http://127.0.0.1:41234
 * await server.close();
 * ```
 */
export { type CvkitServer, createServer } from './app.ts';
export { configFromArgs, DEV_PREDICTION_KEY, DEV_TRAINING_KEY, defaultConfig, type ServerConfig } from './config.ts';
