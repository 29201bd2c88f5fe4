/**
 * Activation ranges for the int8 backbones (`onnxPrecision: 'int8'`), measured by `npm run calibrate:int8 -w
 * @cvkit/ml` (scripts/calibrate-int8.ts) on the float model over the training photos of azure-cv-trees,
 * ai102-fruit and azure-cv-fork-scissors, centre and mirrored views. Kept in the source so every server quantizes
 * the same way without reading photos at start; tied to the float features' version, so new weights, taps or
 * preprocessing make the stale ranges refuse to load (the backbone then runs in float32) until they are measured again.
 */
import { INT8_CALIBRATION } from './int8-calibration.ts';

export interface Int8Calibration {
  /** The float backbone version the ranges were measured on. */
  backboneVersion: string;
  /** Photos (× views) measured. */
  samples: number;
  /** Tensor name in the converted graph → [min, max]. */
  tensors: Record<string, [number, number]>;
}

export function int8Ranges(specId: string, floatVersion: string): Map<string, readonly [number, number]> {
  const calibration: Int8Calibration | undefined = INT8_CALIBRATION[specId];
  if (!calibration) throw new Error(`backbone ${specId}: no int8 calibration (npm run calibrate:int8 -w @cvkit/ml)`);
  if (calibration.backboneVersion !== floatVersion) {
    throw new Error(
      `backbone ${specId}: int8 calibration measured on ${calibration.backboneVersion}, not ${floatVersion} (npm run calibrate:int8 -w @cvkit/ml)`,
    );
  }
  return new Map(Object.entries(calibration.tensors));
}
