// Sequential ClassifyImage calls from their own process, so the client's work (HTTP parsing, garbage collection)
// does not share the server's event loop and inflate its latency. Prints the latencies (ms) as a JSON array.
// Usage: node bench/predict-client.mjs <url> <image file> <prediction key> <count> <warm-up count>
import { readFileSync } from 'node:fs';

const [url, file, key, count, warmUp] = process.argv.slice(2);
const body = readFileSync(file);
const times = [];
for (let i = 0; i < Number(warmUp) + Number(count); i++) {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Prediction-Key': key, 'content-type': 'application/octet-stream' },
    body,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`predict: ${res.status}`);
  if (i >= Number(warmUp)) times.push(performance.now() - started);
}
process.stdout.write(JSON.stringify(times));
