// Sequential ClassifyImage calls from their own process, so the client's work (HTTP parsing, garbage collection)
// does not share the server's event loop and inflate its latency. Prints the latencies (ms) as a JSON array.
// Usage: node bench/predict-client.mjs <url> <image file> <prediction key> <count> <warm-up count>
import { readFileSync } from 'node:fs';
import { sendImage } from './send-image.mjs';

const [url, file, key, count, warmUp] = process.argv.slice(2);
const body = readFileSync(file);
const times = [];
for (let i = 0; i < Number(warmUp) + Number(count); i++) {
  const started = performance.now();
  await sendImage(url, body, key);
  if (i >= Number(warmUp)) times.push(performance.now() - started);
}
process.stdout.write(JSON.stringify(times));
