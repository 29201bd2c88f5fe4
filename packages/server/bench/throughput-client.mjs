// Concurrent ClassifyImage calls from their own process (the server's event loop must not share the client's work).
// Usage: node bench/throughput-client.mjs <url> <image file> <prediction key> <concurrency> <duration ms> <warm-up ms>
// Prints {count, seconds, latencies} as JSON: latencies (ms) of the requests that started after the warm-up.
import { readFileSync } from 'node:fs';
import { sendImage } from './send-image.mjs';

const [url, file, key, concurrency, durationMs, warmUpMs] = process.argv.slice(2);
const body = readFileSync(file);
const start = performance.now();
const measureFrom = start + Number(warmUpMs);
const stopAt = measureFrom + Number(durationMs);
const latencies = [];

async function client() {
  for (;;) {
    const t0 = performance.now();
    if (t0 >= stopAt) return;
    await sendImage(url, body, key);
    if (t0 >= measureFrom) latencies.push(performance.now() - t0);
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, client));
process.stdout.write(JSON.stringify({ count: latencies.length, seconds: Number(durationMs) / 1000, latencies }));
