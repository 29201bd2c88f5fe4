/**
 * Embedding latency of the server's backbone (nsfwjs MobileNetV2 ×1.4 mid) on onnxruntime-node vs TF.js threaded
 * wasm, at batch 1, and end to end for a ~1 MP JPEG (sharp preprocessing + embedding), as the server predicts.
 * Prints one JSON object. Runtimes are timed one after the other, never at the same time (running both at once in one
 * process doubled both latencies, docs/ml-measurements.md).
 *
 * Run: npm run bench:embed -w @cvkit/ml   (BENCH_RUNS=n to change the 40 runs per figure)
 *
 * Timings depend on what else the machine runs: the JSON carries the load average before and after; figures taken
 * under load are upper bounds and must be re-measured on an idle machine.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { type Backbone, type BackboneSpec, loadBackbone } from '../src/backbones/backbone.ts';
import { loadOnnxBackbone, type OnnxBackboneOptions } from '../src/backbones/onnx-backbone.ts';
import { engineInfo, initEngine } from '../src/engine/engine.ts';
import { CUSTOMVISION_TFJS_PREPROCESSING, preprocess } from '../src/preprocess/preprocess.ts';
import { datasetsDir, MID_FEATURE_NODE, seededRandom } from '../test/export/helpers/fixtures.ts';
import { type Figures, timeRuns } from './timing.ts';

const RUNS = Math.max(30, Number(process.env.BENCH_RUNS) || 40);
const WARMUP = 5;

const MID: BackboneSpec = {
  id: 'mobilenetv2-mid',
  featureRevision: 1,
  description: 'MobileNetV2 ×1.4 (nsfwjs 4 "mid"), global-pooled features',
  model: 'mobilenet_v2_mid',
  format: 'graph',
  inputSize: 224,
  inputScale: 1 / 255,
  inputOffset: 0,
  taps: [{ name: MID_FEATURE_NODE, channels: 1792 }],
  preprocessing: CUSTOMVISION_TFJS_PREPROCESSING,
};

function load(): { uptime: string; loadavg: number[] } {
  let uptime = '';
  try {
    uptime = execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    uptime = 'uptime unavailable';
  }
  return { uptime, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))) };
}

const round = (ms: number) => Number(ms.toFixed(2));

async function time(fn: () => Promise<unknown>): Promise<Figures> {
  const { ms: _ms, cpuTotalMs: _cpu, ...figures } = await timeRuns(RUNS, fn, WARMUP);
  return figures;
}

/** azure-cv-trees' test photo (1260×900, 1.1 MP) when the shared data set is there, else a synthetic 1 MP JPEG. */
async function jpeg(): Promise<{ source: string; bytes: Buffer }> {
  const photo = path.join(datasetsDir(), 'azure-cv-trees', 'test', 'Hemlock', 'test_image.jpg');
  if (existsSync(photo)) return { source: path.relative(datasetsDir(), photo), bytes: readFileSync(photo) };
  const width = 1155;
  const height = 866;
  const random = seededRandom(3);
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = ((i % (width * 3)) / 12 + random() * 60) & 255;
  const bytes = await sharp(raw, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { source: 'synthetic (gradient + noise), quality 90', bytes };
}

const before = load();
const image = await jpeg();
const meta = await sharp(image.bytes).metadata();
const centre = (await preprocess(image.bytes, { size: MID.inputSize })).data;

async function measure(backbone: Backbone) {
  return {
    embedBatch1: await time(() => backbone.embed([centre])),
    endToEnd: await time(async () => backbone.embed([(await preprocess(image.bytes, { size: MID.inputSize })).data])),
  };
}

async function onnx(options: OnnxBackboneOptions) {
  const backbone = await loadOnnxBackbone(MID, options);
  try {
    return {
      runtime: backbone.runtime.description,
      loadMs: round(backbone.runtime.loadMs),
      ...(await measure(backbone)),
    };
  } finally {
    backbone.dispose();
  }
}

const preprocessOnly = await time(() => preprocess(image.bytes, { size: MID.inputSize }));

// onnxruntime first, before the TF.js engine exists in the process.
const onnxruntime = await onnx({});
const onnxruntimeSpinning = await onnx({ spinning: true });
const onnxruntime1Thread = await onnx({ threads: 1 });

await initEngine();
const info = engineInfo();
const t0 = performance.now();
const tfjs = await loadBackbone(MID);
const tfjsLoadMs = performance.now() - t0;
const tfjsWasm = {
  runtime: `tfjs ${info.tfjsVersion} ${info.backend}, ${info.threads} threads${info.simd ? ', simd' : ''}`,
  loadMs: round(tfjsLoadMs),
  ...(await measure(tfjs)),
};
// The server's setup: the TF.js engine started (idle) in the same process as the onnxruntime backbone.
const onnxruntimeNextToIdleWasm = await onnx({});
tfjs.dispose();

const after = load();
console.log(
  JSON.stringify(
    {
      benchmark: 'embed-latency',
      date: new Date().toISOString(),
      machine: { cpus: os.availableParallelism(), node: process.version },
      loadBefore: before,
      loadAfter: after,
      warning:
        'Other jobs may share this machine: figures taken with a load average above ~0.5 are upper bounds; re-measure on an idle machine before quoting them.',
      backbone: MID.id,
      image: { source: image.source, width: meta.width, height: meta.height, bytes: image.bytes.length },
      unit: 'ms per image, batch 1; p50/p90 over runs after 5 warm-up runs; cpuMs = process CPU per run',
      preprocessOnly,
      onnxruntime,
      onnxruntimeSpinning,
      onnxruntime1Thread,
      tfjsWasm,
      onnxruntimeNextToIdleWasm,
      speedup: {
        embedP50: round(tfjsWasm.embedBatch1.p50 / onnxruntime.embedBatch1.p50),
        endToEndP50: round(tfjsWasm.endToEnd.p50 / onnxruntime.endToEnd.p50),
      },
    },
    null,
    2,
  ),
);
process.exit(0);
