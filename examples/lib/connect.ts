/**
 * One way for every example to get its clients: Azure (or any Custom Vision endpoint) when the environment names
 * one, otherwise a cvkit server started in this process on a random port, with a temporary data directory and the
 * real engine (@cvkit/ml).
 *
 * Environment (the names Microsoft's quickstarts use):
 *
 * | variable                                | meaning                                                                    |
 * | --------------------------------------- | -------------------------------------------------------------------------- |
 * | `CUSTOM_VISION_ENDPOINT`                | training endpoint, e.g. `https://my-cv.cognitiveservices.azure.com`        |
 * | `CUSTOM_VISION_TRAINING_KEY`            | training key                                                               |
 * | `CUSTOM_VISION_PREDICTION_KEY`          | prediction key                                                             |
 * | `CUSTOM_VISION_PREDICTION_RESOURCE_ID`  | ARM id of the prediction resource (`/subscriptions/.../accounts/<name>`)   |
 * | `CUSTOM_VISION_PREDICTION_ENDPOINT`     | optional: the prediction resource's endpoint when it differs from training |
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BaseClientOptions, PredictionClient, TrainingClient } from '@cvkit/sdk';
import { createServer, defaultConfig, type ServerConfig } from '@cvkit/server';
import { consoleOutput, type Output } from './output.ts';

export interface ServiceTarget {
  /** Training endpoint: `https://<resource>.cognitiveservices.azure.com` or a cvkit server's URL. */
  endpoint: string;
  trainingKey: string;
  /** Prediction endpoint; defaults to `endpoint` (one multi-service resource, or a cvkit server). */
  predictionEndpoint?: string | undefined;
  predictionKey?: string | undefined;
  /** ARM resource id of the prediction resource, which PublishIteration needs on Azure. */
  predictionResourceId?: string | undefined;
}

/** Any non-empty string names the prediction resource on a cvkit server; this one looks like Azure's. */
export const LOCAL_PREDICTION_RESOURCE_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/cvkit/providers/Microsoft.CognitiveServices/accounts/cvkit-local';

/** The target the `CUSTOM_VISION_*` variables describe, or undefined when `CUSTOM_VISION_ENDPOINT` is not set. */
export function targetFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceTarget | undefined {
  const endpoint = env.CUSTOM_VISION_ENDPOINT?.trim();
  if (!endpoint) return undefined;
  const trainingKey = env.CUSTOM_VISION_TRAINING_KEY?.trim();
  if (!trainingKey) throw new Error('CUSTOM_VISION_ENDPOINT is set but CUSTOM_VISION_TRAINING_KEY is not');
  return {
    endpoint,
    trainingKey,
    predictionEndpoint: env.CUSTOM_VISION_PREDICTION_ENDPOINT?.trim() || undefined,
    predictionKey: env.CUSTOM_VISION_PREDICTION_KEY?.trim() || undefined,
    predictionResourceId: env.CUSTOM_VISION_PREDICTION_RESOURCE_ID?.trim() || undefined,
  };
}

export function isAzureEndpoint(endpoint: string): boolean {
  return /\.(cognitiveservices\.azure\.com|api\.cognitive\.microsoft\.com)(:\d+)?\/?$/i.test(new URL(endpoint).origin);
}

export interface LocalServerOptions {
  /** Keep the data here (it survives the process); default: a temporary directory removed by `stop()`. */
  dataDir?: string;
  /** Let URL imports reach loopback addresses (needed to import from another local server). */
  allowPrivateUrls?: boolean;
  /** Server log level (JSON lines on stderr); default `warn`, or `CVKIT_LOG_LEVEL`. */
  logLevel?: ServerConfig['logLevel'];
}

export interface LocalServer extends Required<Omit<ServiceTarget, 'predictionEndpoint'>> {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts a cvkit server in this process on 127.0.0.1 and a random port, with fresh random keys. */
export async function startLocalServer(options: LocalServerOptions = {}): Promise<LocalServer> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), 'cvkit-example-'));
  const trainingKey = `training-${randomUUID()}`;
  const predictionKey = `prediction-${randomUUID()}`;
  const server = await createServer(
    defaultConfig({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      trainingKey,
      predictionKey,
      allowPrivateUrls: options.allowPrivateUrls ?? false,
      logLevel: options.logLevel ?? (process.env.CVKIT_LOG_LEVEL as ServerConfig['logLevel'] | undefined) ?? 'warn',
    }),
  );
  const url = await server.listen();
  return {
    url,
    endpoint: url,
    dataDir,
    trainingKey,
    predictionKey,
    predictionResourceId: LOCAL_PREDICTION_RESOURCE_ID,
    async stop() {
      await server.close();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ConnectOptions {
  /** Where to go; default: the `CUSTOM_VISION_*` environment, else a local in-process server. */
  target?: ServiceTarget;
  env?: NodeJS.ProcessEnv;
  /** Options of the local server, when one is started. */
  local?: LocalServerOptions;
  /** Sees every HTTP response of both clients (logging, tests). */
  onResponse?: BaseClientOptions['onResponse'];
  out?: Output;
}

export interface Connection {
  trainer: TrainingClient;
  predictor: PredictionClient;
  /** `local`: a server this process started; `remote`: Azure or another cvkit server. */
  kind: 'local' | 'remote';
  endpoint: string;
  /** What PublishIteration's `predictionId` should be; undefined when publishing to Azure is not configured. */
  predictionResourceId: string | undefined;
  /** A polling interval suited to the target (Azure trains in minutes, a local server in seconds). */
  pollMs: number;
  /** Stops the local server (and removes its temporary data); nothing for a remote target. */
  stop(): Promise<void>;
}

/** Clients for the target, and a stop function to call at the end. */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  const out = options.out ?? consoleOutput();
  const target = options.target ?? targetFromEnv(options.env ?? process.env);
  let local: LocalServer | undefined;
  let t: ServiceTarget;
  if (target) {
    t = target;
    out.log(`Using ${t.endpoint}`);
  } else {
    local = await startLocalServer(options.local);
    t = local;
    out.log(`No CUSTOM_VISION_ENDPOINT set: started a cvkit server in this process at ${local.url}`);
  }
  const common = options.onResponse ? { onResponse: options.onResponse } : {};
  const remoteAzure = !local && isAzureEndpoint(t.endpoint);
  return {
    trainer: new TrainingClient({ endpoint: t.endpoint, trainingKey: t.trainingKey, ...common }),
    predictor: new PredictionClient({
      endpoint: t.predictionEndpoint ?? t.endpoint,
      // Without a prediction key the calls answer 401, which says clearly what is missing.
      predictionKey: t.predictionKey ?? '',
      ...common,
    }),
    kind: local ? 'local' : 'remote',
    endpoint: t.endpoint,
    predictionResourceId: t.predictionResourceId ?? (remoteAzure ? undefined : LOCAL_PREDICTION_RESOURCE_ID),
    pollMs: local ? 250 : remoteAzure ? 5_000 : 1_000,
    stop: async () => {
      await local?.stop();
    },
  };
}

/** The prediction resource id for PublishIteration, or an error that says which variable to set. */
export function requirePredictionResourceId(conn: Connection): string {
  if (conn.predictionResourceId) return conn.predictionResourceId;
  throw new Error(
    'Publishing needs the prediction resource id: set CUSTOM_VISION_PREDICTION_RESOURCE_ID to ' +
      '/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<prediction resource>',
  );
}
