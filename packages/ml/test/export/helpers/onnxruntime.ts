/**
 * onnxruntime-node is an optional dependency (its install can be skipped or fail): tests that run
 * ONNX models import it through here and skip, saying why, when it is missing.
 */
import type * as OrtModule from 'onnxruntime-node';

export type Ort = typeof OrtModule;

async function load(): Promise<Ort | null> {
  try {
    const mod = (await import('onnxruntime-node')) as Ort & { default?: Ort };
    return mod.InferenceSession ? mod : (mod.default ?? null);
  } catch (error) {
    console.warn(`onnxruntime-node unavailable (${(error as Error).message}): ONNX run tests are skipped`);
    return null;
  }
}

export const ortOrNull: Ort | null = await load();

/** For use inside tests guarded by `skipIf(!ortOrNull)`. */
export function ort(): Ort {
  if (!ortOrNull) throw new Error('onnxruntime-node is not installed');
  return ortOrNull;
}
