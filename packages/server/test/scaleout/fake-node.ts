/**
 * A cvkit server process exactly as `cvkit-server` runs it (same flags, environment and roles), except for the ML
 * engine: the stand-in, which waits FAKE_TRAIN_DELAY_MS before training so a test can kill a worker mid-way.
 */
import { configFromArgs } from '../../src/config.ts';
import { serve } from '../../src/serve.ts';
import { fakeEngine } from '../helpers/fake-engine.ts';

const config = configFromArgs(process.argv.slice(2), process.env);
if ('help' in config) throw new Error('no help here');
await serve(config, { engine: fakeEngine({ trainDelayMs: Number(process.env.FAKE_TRAIN_DELAY_MS ?? 0) }) });
