import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { azureLimits, type Limits } from './domain/limits.ts';
import type { WebhookConfig } from './domain/webhooks.ts';
import type { LogLevel } from './logging.ts';

/** Well-known development keys, used when none are configured (printed at start; never use them in production). */
export const DEV_TRAINING_KEY = 'cvkit-dev-training-key';
export const DEV_PREDICTION_KEY = 'cvkit-dev-prediction-key';

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  trainingKey: string;
  predictionKey: string;
  /** Scheme and host put in links (image URLs, export downloads); defaults to what each request used. */
  publicBaseUrl: string | undefined;
  logLevel: LogLevel;
  /** Let CreateImagesFromUrls and QuickTestImageUrl fetch loopback, link-local and private addresses. */
  allowPrivateUrls: boolean;
  /** How long signed image and download links stay valid. */
  linkTtlSeconds: number;
  /** Longest a URL import (CreateImagesFromUrls, ClassifyImageUrl, ...) may take, redirects included. */
  urlFetchTimeoutMs: number;
  /** Requests per second per API key (Azure answers 429 past its tier's rate); undefined: no limit. */
  rateLimits: { training: number | undefined; prediction: number | undefined };
  /** Bytes of image-carrying request bodies held at once (uploads, base64 batches, URL batches); 429 past it. */
  uploadMemoryBytes: number;
  limits: Limits;
  /** Signed POSTs when a training or an export ends (docs/configuration.md); off without a URL. */
  webhook: WebhookConfig;
}

export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    port: 3000,
    host: '127.0.0.1',
    dataDir: resolve(process.cwd(), '.cvkit-data'),
    trainingKey: DEV_TRAINING_KEY,
    predictionKey: DEV_PREDICTION_KEY,
    publicBaseUrl: undefined,
    logLevel: 'info',
    allowPrivateUrls: false,
    linkTtlSeconds: 24 * 3600,
    urlFetchTimeoutMs: 15_000,
    rateLimits: { training: undefined, prediction: undefined },
    uploadMemoryBytes: 1024 * 1024 * 1024,
    limits: azureLimits,
    webhook: { url: undefined, secret: undefined, maxAttempts: 6, initialDelayMs: 1_000, timeoutMs: 10_000 },
    ...overrides,
  };
}

const usage = `cvkit-server: self-hosted Azure Custom Vision

Options (each also an environment variable):
  --port <n>              PORT                    (default 3000)
  --host <addr>           CVKIT_HOST              (default 127.0.0.1; 0.0.0.0 opens it to the network,
                                                  refused while a development key is in use)
  --data-dir <path>       CVKIT_DATA_DIR          (default ./.cvkit-data)
  --training-key <key>    CVKIT_TRAINING_KEY      (default ${DEV_TRAINING_KEY})
  --prediction-key <key>  CVKIT_PREDICTION_KEY    (default ${DEV_PREDICTION_KEY})
  --public-url <url>      CVKIT_PUBLIC_URL        base URL for links (default: the request's host)
  --log-level <level>     CVKIT_LOG_LEVEL         debug | info | warn | error | silent (default info)
  --allow-private-urls    CVKIT_ALLOW_PRIVATE_URLS=1  let URL imports reach private addresses
  --url-timeout-ms <n>    CVKIT_URL_TIMEOUT_MS    time limit of one URL import (default 15000)
  --rate-limit-training <tps>    CVKIT_RATE_LIMIT_TRAINING    429 past this many training calls/s (default off)
  --rate-limit-prediction <tps>  CVKIT_RATE_LIMIT_PREDICTION  429 past this many prediction calls/s (default off)
  --upload-memory-mb <n>  CVKIT_UPLOAD_MEMORY_MB  image uploads held at once, in MiB; 429 past it (default 1024)
  --webhook-url <url>     CVKIT_WEBHOOK_URL       POST here when a training or export ends (default off)
  --webhook-secret <s>    CVKIT_WEBHOOK_SECRET    key of the X-Cvkit-Signature HMAC-SHA256 header
  --help
`;

/** Flags win over environment variables, which win over defaults. */
export function configFromArgs(argv: string[], env: NodeJS.ProcessEnv): ServerConfig | { help: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'training-key': { type: 'string' },
      'prediction-key': { type: 'string' },
      'public-url': { type: 'string' },
      'log-level': { type: 'string' },
      'allow-private-urls': { type: 'boolean' },
      'url-timeout-ms': { type: 'string' },
      'rate-limit-training': { type: 'string' },
      'rate-limit-prediction': { type: 'string' },
      'upload-memory-mb': { type: 'string' },
      'webhook-url': { type: 'string' },
      'webhook-secret': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return { help: usage };
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const port = Number(pick(values.port, 'PORT') ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port: ${values.port ?? env.PORT}`);
  const logLevel = (pick(values['log-level'], 'CVKIT_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error', 'silent'].includes(logLevel))
    throw new Error(`Invalid log level: ${logLevel}`);
  const dataDir = pick(values['data-dir'], 'CVKIT_DATA_DIR');
  const positive = (raw: string | undefined, what: string): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`Invalid ${what}: ${raw}`);
    return n;
  };
  const webhookUrl = pick(values['webhook-url'], 'CVKIT_WEBHOOK_URL');
  if (webhookUrl !== undefined && !/^https?:\/\/[^/]/i.test(webhookUrl))
    throw new Error(`Invalid webhook URL: ${webhookUrl} (an http or https URL)`);
  const urlTimeout = positive(pick(values['url-timeout-ms'], 'CVKIT_URL_TIMEOUT_MS'), 'URL timeout');
  const uploadMemory = positive(pick(values['upload-memory-mb'], 'CVKIT_UPLOAD_MEMORY_MB'), 'upload memory');
  return defaultConfig({
    port,
    host: pick(values.host, 'CVKIT_HOST') ?? '127.0.0.1',
    ...(dataDir ? { dataDir: resolve(dataDir) } : {}),
    trainingKey: pick(values['training-key'], 'CVKIT_TRAINING_KEY') ?? DEV_TRAINING_KEY,
    predictionKey: pick(values['prediction-key'], 'CVKIT_PREDICTION_KEY') ?? DEV_PREDICTION_KEY,
    publicBaseUrl: pick(values['public-url'], 'CVKIT_PUBLIC_URL')?.replace(/\/+$/, ''),
    logLevel,
    allowPrivateUrls: Boolean(values['allow-private-urls']) || env.CVKIT_ALLOW_PRIVATE_URLS === '1',
    ...(urlTimeout ? { urlFetchTimeoutMs: urlTimeout } : {}),
    ...(uploadMemory ? { uploadMemoryBytes: Math.round(uploadMemory * 1024 * 1024) } : {}),
    rateLimits: {
      training: positive(pick(values['rate-limit-training'], 'CVKIT_RATE_LIMIT_TRAINING'), 'training rate limit'),
      prediction: positive(
        pick(values['rate-limit-prediction'], 'CVKIT_RATE_LIMIT_PREDICTION'),
        'prediction rate limit',
      ),
    },
    webhook: {
      ...defaultConfig().webhook,
      url: webhookUrl,
      secret: pick(values['webhook-secret'], 'CVKIT_WEBHOOK_SECRET'),
    },
  });
}

/** Addresses only this machine can reach: a server listening there may keep the published development keys. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/** Which of the published development keys a configuration still uses (names only: key values are never shown). */
export function developmentKeysInUse(config: Pick<ServerConfig, 'trainingKey' | 'predictionKey'>): string[] {
  return [
    ...(config.trainingKey === DEV_TRAINING_KEY ? ['training'] : []),
    ...(config.predictionKey === DEV_PREDICTION_KEY ? ['prediction'] : []),
  ];
}

/**
 * Anyone can read the development keys in this repository, so a server that keeps one may only listen where no one
 * else can reach it. Throws the operator-facing message otherwise.
 */
export function checkExposure(config: Pick<ServerConfig, 'host' | 'trainingKey' | 'predictionKey'>): void {
  const dev = developmentKeysInUse(config);
  if (!dev.length || isLoopbackHost(config.host)) return;
  throw new Error(
    `Refusing to listen on ${config.host} with the published development ${dev.join(' and ')} key${dev.length > 1 ? 's' : ''}: ` +
      'set CVKIT_TRAINING_KEY and CVKIT_PREDICTION_KEY (or --training-key and --prediction-key) to your own keys, ' +
      'or listen on 127.0.0.1.',
  );
}
