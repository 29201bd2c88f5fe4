/**
 * Measures the activation ranges the int8 backbones are quantized with and writes src/backbones/int8-calibration.ts.
 *
 *   npm run calibrate:int8 -w @cvkit/ml
 *
 * The float model runs on the training photos of three data sets (not mlnet-flowers-small, so the few-shot and
 * cross-validated flowers figures measure photos the ranges never saw), centre and mirrored views; each quantized
 * tensor keeps its smallest and largest value.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../bench/datasets.ts';
import { buildBackboneFeatureModel, requireOnnxRuntime } from '../src/backbones/onnx-backbone.ts';
import { encodeModel } from '../src/export/onnx/onnx-writer.ts';
import { quantizableTensors, withTensorOutputs } from '../src/export/onnx/quantize-qdq.ts';
import { BACKBONE_SPECS, backboneVersion, loadBundledModel, preprocessViews } from '../src/index.ts';

const DATASETS = ['azure-cv-trees', 'ai102-fruit', 'azure-cv-fork-scissors'];
const VIEWS = ['centre', 'centre-mirrored'] as const;

async function main() {
  const ort = requireOnnxRuntime();
  const out: Record<string, unknown> = {};
  for (const spec of Object.values(BACKBONE_SPECS)) {
    if (spec.onnxPrecision !== 'int8') continue;
    const bundled = loadBundledModel(spec.model);
    const built = buildBackboneFeatureModel(spec, bundled);
    const tensors = quantizableTensors(built.model.graph);
    const model = encodeModel({ ...built.model, graph: withTensorOutputs(built.model.graph, tensors) });
    const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2 });
    const ranges = new Map<string, [number, number]>();
    let samples = 0;
    for (const name of DATASETS) {
      for (const image of loadDataset(name).images.filter((i) => i.split === 'train')) {
        const views = await preprocessViews(readFileSync(image.path), VIEWS, {
          size: spec.inputSize,
          version: spec.preprocessing,
        });
        for (const view of views.values()) {
          const input = new ort.Tensor('float32', view.data, [1, spec.inputSize, spec.inputSize, 3]);
          const result = await session.run({ [built.inputName]: input }, tensors);
          for (const t of tensors) {
            const data = result[t]!.data as Float32Array;
            let [lo, hi] = ranges.get(t) ?? [Infinity, -Infinity];
            for (const v of data) {
              if (v < lo) lo = v;
              if (v > hi) hi = v;
            }
            ranges.set(t, [lo, hi]);
          }
          samples++;
        }
      }
    }
    await session.release();
    out[spec.id] = {
      backboneVersion: backboneVersion(spec, bundled),
      samples,
      tensors: Object.fromEntries(
        [...ranges].map(([t, [lo, hi]]) => [t, [Number(lo.toPrecision(6)), Number(hi.toPrecision(6))]]),
      ),
    };
    process.stderr.write(`${spec.id}: ${tensors.length} tensors over ${samples} views\n`);
  }
  const file = fileURLToPath(new URL('../src/backbones/int8-calibration.ts', import.meta.url));
  writeFileSync(
    file,
    `// Written by scripts/calibrate-int8.ts (npm run calibrate:int8 -w @cvkit/ml); see int8-ranges.ts.\nimport type { Int8Calibration } from './int8-ranges.ts';\n\nexport const INT8_CALIBRATION: Record<string, Int8Calibration> = ${JSON.stringify(out, null, 2)};\n`,
  );
  process.stderr.write(`wrote ${file}\n`);
}

await main();
