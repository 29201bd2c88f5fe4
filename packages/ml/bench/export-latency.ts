/**
 * Export bench: time to build each export of the nsfwjs mid backbone + a 5-tag head, and
 * onnxruntime-node latency of the exported model.onnx (batch 1, 1 and 2 threads).
 * Run: npx tsx packages/ml/bench/export-latency.ts
 */
import * as ort from 'onnxruntime-node';
import { exportOnnx, exportTfjs } from '../src/export/index.ts';
import { initTf, loadMidBackbone, randomHead } from '../test/export/helpers/fixtures.ts';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeIt<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const times: number[] = [];
  let result: T | undefined;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    result = await fn();
    times.push(performance.now() - start);
  }
  return { ms: median(times), result: result as T };
}

await initTf();
const backbone = loadMidBackbone();
const head = randomHead(1, 1792, 'softmax');

const onnx = await timeIt(5, () => exportOnnx({ backbone, head }));
const onnx12 = await timeIt(5, () => exportOnnx({ backbone, head, flavor: 'ONNX12' }));
const tfjs = await timeIt(5, () => exportTfjs({ backbone, head }));
const size = (files: { bytes: Uint8Array }[]) => (files.reduce((n, f) => n + f.bytes.length, 0) / 1e6).toFixed(1);
console.log(`exportOnnx (default): ${onnx.ms.toFixed(0)} ms, ${size(onnx.result)} MB`);
console.log(`exportOnnx (ONNX12):  ${onnx12.ms.toFixed(0)} ms, ${size(onnx12.result)} MB`);
console.log(`exportTfjs:           ${tfjs.ms.toFixed(0)} ms, ${size(tfjs.result)} MB`);

const model = onnx.result.find((f) => f.path === 'model.onnx')!.bytes;
const input = new ort.Tensor('float32', new Float32Array(3 * 224 * 224).fill(128), [1, 3, 224, 224]);
for (const threads of [1, 2]) {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: threads });
  for (let i = 0; i < 5; i++) await session.run({ data: input });
  const cpuBefore = process.cpuUsage();
  const { ms } = await timeIt(50, () => session.run({ data: input }));
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time per image is less disturbed than wall time when other work shares the cores.
  const cpuMs = (cpu.user + cpu.system) / 1000 / 50;
  console.log(
    `onnxruntime ${threads} thread(s): ${ms.toFixed(1)} ms / image wall (median of 50), ${cpuMs.toFixed(1)} ms CPU`,
  );
  await session.release();
}
