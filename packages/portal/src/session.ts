/**
 * Who is signed in: the two keys, kept in sessionStorage (gone when the tab closes), and the SDK clients built on
 * them. Everything the portal asks the server goes through these clients, on the page's own origin.
 */

import { ConnectionError, CustomVisionError, PredictionClient, TrainingClient, UnauthorizedError } from '@cvkit/sdk';
import { computed, signal } from '@preact/signals';

export interface Keys {
  trainingKey: string;
  predictionKey: string;
}

const storageKey = 'cvkit.portal.keys';

function loadKeys(): Keys | null {
  try {
    const parsed = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null') as Partial<Keys> | null;
    return parsed?.trainingKey && parsed.predictionKey
      ? { trainingKey: parsed.trainingKey, predictionKey: parsed.predictionKey }
      : null;
  } catch {
    return null;
  }
}

export const keys = signal<Keys | null>(loadKeys());
/** Why the person was signed out, shown on the sign-in form. */
export const signOutReason = signal<string | null>(null);

function clientsFor(k: Keys) {
  const endpoint = location.origin;
  return {
    trainer: new TrainingClient({ endpoint, trainingKey: k.trainingKey, retry: 1 }),
    predictor: new PredictionClient({ endpoint, predictionKey: k.predictionKey, retry: 1 }),
  };
}

const clients = computed(() => (keys.value ? clientsFor(keys.value) : null));

export function trainer(): TrainingClient {
  const c = clients.value;
  if (!c) throw new Error('Not signed in');
  return c.trainer;
}

export function predictor(): PredictionClient {
  const c = clients.value;
  if (!c) throw new Error('Not signed in');
  return c.predictor;
}

const noProject = '00000000-0000-0000-0000-000000000000';

/**
 * Checks both keys before keeping them: the training key with GetDomains, the prediction key with a classification
 * of a project that cannot exist (the server checks the key before anything else, so a right key gets 404 and a
 * wrong one 401). Resolves with a message for the form, or null when both keys work.
 */
export async function signIn(candidate: Keys): Promise<string | null> {
  const c = clientsFor(candidate);
  try {
    await c.trainer.getDomains();
  } catch (e) {
    if (e instanceof UnauthorizedError)
      return 'The Training key was not accepted by this server. Check it and try again.';
    return describeError(e);
  }
  try {
    await c.predictor.classifyImageUrl(noProject, 'none', { url: 'https://example.invalid/none.jpg' });
  } catch (e) {
    if (e instanceof UnauthorizedError)
      return 'The Prediction key was not accepted by this server. Check it and try again.';
    if (!(e instanceof CustomVisionError) || e instanceof ConnectionError) return describeError(e);
  }
  sessionStorage.setItem(storageKey, JSON.stringify(candidate));
  signOutReason.value = null;
  keys.value = candidate;
  return null;
}

export function signOut(reason: string | null = null): void {
  sessionStorage.removeItem(storageKey);
  signOutReason.value = reason;
  keys.value = null;
}

/** What the server offers to prefill: its well-known development keys, only when it runs with them. */
export async function developmentKeys(): Promise<Partial<Keys>> {
  try {
    const res = await fetch('/portal/config.json', { headers: { accept: 'application/json' } });
    if (!res.ok) return {};
    const body = (await res.json()) as {
      developmentKeys?: { trainingKey?: string | null; predictionKey?: string | null };
    };
    const dev = body.developmentKeys ?? {};
    return {
      ...(dev.trainingKey ? { trainingKey: dev.trainingKey } : {}),
      ...(dev.predictionKey ? { predictionKey: dev.predictionKey } : {}),
    };
  } catch {
    return {};
  }
}

/** One sentence for a person, from anything a call can throw. A key that stopped working signs out. */
export function describeError(e: unknown): string {
  if (e instanceof UnauthorizedError) {
    signOut('The server no longer accepts your key. Sign in again.');
    return 'The server no longer accepts your key.';
  }
  if (e instanceof ConnectionError) return 'The server cannot be reached. Is `npm start` still running?';
  if (e instanceof CustomVisionError) {
    const body = e.body as { message?: unknown } | undefined;
    const message = typeof body?.message === 'string' ? body.message : e.message;
    return message;
  }
  return e instanceof Error ? e.message : String(e);
}
