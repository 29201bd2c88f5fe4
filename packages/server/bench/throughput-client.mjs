// Concurrent ClassifyImage calls from their own process (the server's event loop must not share the client's work).
// Usage: node bench/throughput-client.mjs <url> <image file> <prediction key> <concurrency> <duration ms> <warm-up ms>
// Prints {count, seconds, latencies, total, cpuMs} as JSON: latencies (ms) of the requests that started after the
// warm-up, every request answered (warm-up included) and the client's own CPU time.
import { readFileSync } from 'node:fs';
import { sendImage } from './send-image.mjs';

const [url, file, key, concurrency, durationMs, warmUpMs] = process.argv.slice(2);
const body = readFileSync(file);
const start = performance.now();
const measureFrom = start + Number(warmUpMs);
const stopAt = measureFrom + Number(durationMs);
const latencies = [];
let total = 0;

async function client() {
  for (;;) {
    const t0 = performance.now();
    if (t0 >= stopAt) return;
    await sendImage(url, body, key);
    total++;
    if (t0 >= measureFrom) latencies.push(performance.now() - t0);
  }
}

await Promise.all(Array.from({ length: Number(concurrency) }, client));
const cpu = process.cpuUsage();
process.stdout.write(
  JSON.stringify({
    count: latencies.length,
    seconds: Number(durationMs) / 1000,
    latencies,
    total,
    cpuMs: (cpu.user + cpu.system) / 1000,
  }),
);
