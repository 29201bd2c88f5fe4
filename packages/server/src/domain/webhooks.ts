/**
 * Webhooks (Azure has none: it offers an e-mail address and a storage queue). When a training or an export ends,
 * the configured URL receives a JSON POST signed with HMAC-SHA256 of the exact body under the shared secret
 * (`X-Cvkit-Signature: sha256=<hex>`), so a receiver can check it came from this server. Delivery is at least once:
 * a 5xx, 408, 429, timeout or network error is retried with exponential backoff (or the receiver's Retry-After),
 * keeping the same delivery id so a receiver can drop repeats. Other 4xx answers and addresses the URL-import policy
 * refuses are not retried. Deliveries run in the background: a slow receiver never holds a job up.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { Logger } from '../logging.ts';
import { UrlFetchError } from '../net/fetch-image-url.ts';
import { postJson } from '../net/post-json.ts';
import type { ExportRecord, IterationRecord } from '../storage/types.ts';

export interface WebhookConfig {
  /** Receiver; undefined: no webhooks. */
  url: string | undefined;
  /** Shared secret for the signature; undefined: deliveries are not signed. */
  secret: string | undefined;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Wait before the first retry; doubled for each next one. */
  initialDelayMs: number;
  /** Time limit of one attempt. */
  timeoutMs: number;
}

export type JobEventType = 'training.completed' | 'training.failed' | 'export.completed' | 'export.failed';

/** What the training and export jobs report when they end. */
export interface JobEvents {
  trainingFinished(iteration: IterationRecord): void;
  exportFinished(record: ExportRecord): void;
}

export interface WebhookPayload {
  /** The delivery's id, the same on every attempt. */
  id: string;
  type: JobEventType;
  /** When the job ended (ISO 8601). */
  created: string;
  projectId: string;
  iterationId: string;
  iteration?: { id: string; name: string; status: string; trainingErrorDetails: string | null };
  export?: { id: string; platform: string; flavor: string | null; status: string; error: string | null };
}

export const signatureHeader = 'X-Cvkit-Signature';

/** `sha256=<hex>` of the body under the secret: what a receiver recomputes and compares in constant time. */
export function sign(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const longestWaitMs = 5 * 60_000;

export class WebhookService implements JobEvents {
  private readonly inFlight = new Set<Promise<void>>();
  /** Backoff waits under way, with what ends each early (at close). */
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    private readonly config: WebhookConfig,
    /** The URL-import rule: private and loopback receivers only when the operator allows them. */
    private readonly allowPrivate: boolean,
    private readonly logger: Logger,
  ) {}

  trainingFinished(it: IterationRecord): void {
    this.send({
      type: it.status === 'Completed' ? 'training.completed' : 'training.failed',
      created: it.lastModified.toISOString(),
      projectId: it.projectId,
      iterationId: it.id,
      iteration: { id: it.id, name: it.name, status: it.status, trainingErrorDetails: it.trainingErrorDetails },
    });
  }

  exportFinished(e: ExportRecord): void {
    this.send({
      type: e.status === 'Done' ? 'export.completed' : 'export.failed',
      created: new Date().toISOString(),
      projectId: e.projectId,
      iterationId: e.iterationId,
      export: { id: e.id, platform: e.platform, flavor: e.flavor, status: e.status, error: e.error },
    });
  }

  /** Resolves when every delivery started so far has succeeded or given up. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Stops retrying (pending retries are dropped, with a log line) and waits for attempts under way. */
  async close(): Promise<void> {
    this.closed = true;
    for (const [timer, wake] of this.waits) {
      clearTimeout(timer);
      wake();
    }
    this.waits.clear();
    await this.idle();
  }

  private send(event: Omit<WebhookPayload, 'id'>): void {
    if (!this.config.url || this.closed) return;
    const payload: WebhookPayload = { id: randomUUID(), ...event };
    const delivery = this.deliver(this.config.url, payload).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  private async deliver(url: string, payload: WebhookPayload): Promise<void> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'cvkit-server',
      'x-cvkit-event': payload.type,
      'x-cvkit-delivery': payload.id,
      ...(this.config.secret ? { [signatureHeader.toLowerCase()]: sign(body, this.config.secret) } : {}),
    };
    const fields = { url, deliveryId: payload.id, type: payload.type };
    for (let attempt = 1; ; attempt++) {
      let wait: number | undefined;
      try {
        const { status, retryAfter } = await postJson(
          url,
          body,
          { ...headers, 'x-cvkit-attempt': String(attempt) },
          { allowPrivate: this.allowPrivate, timeoutMs: this.config.timeoutMs },
        );
        if (status >= 200 && status < 300) {
          this.logger.info('webhook delivered', { ...fields, attempt, status });
          return;
        }
        if (status < 500 && status !== 408 && status !== 429) {
          this.logger.warn('webhook refused by the receiver; not retried', { ...fields, attempt, status });
          return;
        }
        this.logger.warn('webhook attempt failed', { ...fields, attempt, status });
        wait = retryAfterMs(retryAfter);
      } catch (e) {
        if (e instanceof UrlFetchError && (e.reason === 'forbidden' || e.reason === 'invalid')) {
          this.logger.error('webhook URL not allowed; not delivered', { ...fields, error: e.message });
          return;
        }
        this.logger.warn('webhook attempt failed', { ...fields, attempt, error: (e as Error).message });
      }
      if (attempt >= this.config.maxAttempts || this.closed) {
        this.logger.error('webhook not delivered; giving up', { ...fields, attempts: attempt });
        return;
      }
      const backoff = this.config.initialDelayMs * 2 ** (attempt - 1);
      await this.sleep(Math.min(longestWaitMs, Math.max(backoff, wait ?? 0)));
      if (this.closed) {
        this.logger.warn('webhook dropped at shutdown', { ...fields, attempts: attempt });
        return;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, ms);
      this.waits.set(timer, resolve);
    });
  }
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
