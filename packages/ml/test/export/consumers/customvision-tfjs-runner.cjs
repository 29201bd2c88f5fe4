/**
 * Runs @microsoft/customvision-tfjs 1.3.0 in a process of its own, so that it runs on its own
 * nested @tensorflow/tfjs 3.x: loaded next to tfjs 4 in one process, both versions would share
 * one engine and kernel registry (tfjs-core keeps them on globalThis), and 3.x would run on 4.x's
 * kernels.
 *
 * stdin: JSON { jobs: [{ modelUrl, images: [{ name, rgbaFile, width, height } | { name, pixelsFile, size }] }] }
 * - rgbaFile: raw RGBA bytes, handed to executeAsync as tf.browser.fromPixels pixel data
 *   ({ data: Uint8Array, width, height }), so the library's own preprocessing runs (centre crop
 *   with cropAndResize to its input size, RGB or BGR as the model's metadata says). A plain object
 *   whose data is a Uint8ClampedArray is refused by tfjs 3.x unless it is a real ImageData.
 * - pixelsFile: float32 NHWC pixels prepared elsewhere, passed as a tensor, which executeAsync
 *   feeds to the model unchanged.
 * stdout: JSON { tfjsVersion, backend, jobs: [{ inputSize, isRgbInput, results: [{ name, probabilities }] }] }
 */
const { readFileSync } = require('node:fs');
const path = require('node:path');

function input(tf, image) {
  if (image.rgbaFile) {
    const rgba = readFileSync(image.rgbaFile);
    return {
      data: new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength),
      width: image.width,
      height: image.height,
    };
  }
  const bytes = readFileSync(image.pixelsFile);
  const pixels = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return tf.tensor4d(pixels, [1, image.size, image.size, 3]);
}

async function main() {
  const request = JSON.parse(readFileSync(0, 'utf8'));
  const cvstfjs = require('@microsoft/customvision-tfjs');
  // The tfjs the library itself requires (its nested 3.x), not the workspace's 4.x.
  const libraryDir = path.dirname(require.resolve('@microsoft/customvision-tfjs/package.json'));
  const tf = require(require.resolve('@tensorflow/tfjs', { paths: [libraryDir] }));
  // No WebGL in Node: take the CPU backend rather than let 3.x try WebGL first.
  await tf.setBackend('cpu');

  const jobs = [];
  for (const job of request.jobs) {
    const model = new cvstfjs.ClassificationModel();
    await model.loadModelAsync(job.modelUrl);
    const results = [];
    for (const image of job.images) {
      // executeAsync disposes its input, tensor or not; it answers [[p0, p1, …]].
      const output = await model.executeAsync(input(tf, image));
      results.push({ name: image.name, probabilities: output[0] });
    }
    jobs.push({ inputSize: model.input_size, isRgbInput: model.is_rgb_input, results });
    model.dispose();
  }
  process.stdout.write(JSON.stringify({ tfjsVersion: tf.version.tfjs, backend: tf.getBackend(), jobs }));
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
