/**
 * The TF.js graph model in ./model (cvkit's TensorFlow.js export, unchanged) and its labels.
 * Input: [1, size, size, 3] RGB float 0–255; output: one probability per line of labels.txt.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** WebAssembly runs on x64 and ARM alike with no native build, and is far faster than the pure-JS CPU backend. */
export async function initBackend() {
  try {
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return 'wasm';
    }
  } catch (error) {
    console.warn(`wasm backend unavailable (${error.message}); using cpu`);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}

/** Reads model.json and its weight files from disk (tfjs has no file:// loader without tfjs-node). */
async function readArtifacts(dir) {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
  const groups = json.weightsManifest;
  const shards = await Promise.all(groups.flatMap((g) => g.paths.map((p) => readFile(path.join(dir, p)))));
  const weights = Buffer.concat(shards);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    weightSpecs: groups.flatMap((g) => g.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
  };
}

export async function loadClassifier(modelDir, labelsFile) {
  const model = await tf.loadGraphModel(tf.io.fromMemory(await readArtifacts(modelDir)));
  const labels = (await readFile(labelsFile, 'utf8')).split('\n').filter((line) => line.length > 0);
  const inputSize = model.inputs[0].shape[1];
  const probabilities = (pixels) =>
    tf.tidy(() => model.execute(tf.tensor4d(pixels, [1, inputSize, inputSize, 3])).dataSync());
  // One run on a blank image: checks labels.txt against the model and warms the kernels up.
  const outputs = probabilities(new Float32Array(inputSize * inputSize * 3)).length;
  if (outputs !== labels.length)
    throw new Error(`the model has ${outputs} outputs but labels.txt ${labels.length} lines`);
  /** probabilities(pixels): pixels are size × size × 3 RGB values 0–255; one probability per label. */
  return { labels, inputSize, probabilities };
}
