/** Latency figures of the ml benchmarks: wall-time quantiles and process CPU time per run. */

export interface Figures {
  p50: number;
  p90: number;
  min: number;
  /** Process CPU time (all threads, workers included) per run. */
  cpuMs: number;
  runs: number;
}

const round = (ms: number) => Number(ms.toFixed(2));

/** Times `runs` calls of `fn` after `warmup` untimed ones; `ms` holds each run's wall time, in order. */
export async function timeRuns(
  runs: number,
  fn: () => unknown,
  warmup: number,
): Promise<Figures & { ms: number[]; cpuTotalMs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuTotalMs = (cpu.user + cpu.system) / 1000;
  return { ...summarise(ms, cpuTotalMs), ms, cpuTotalMs };
}

/** Quantiles of wall times and the CPU time per run, from `cpuTotalMs` spent over all of them. */
export function summarise(times: readonly number[], cpuTotalMs: number): Figures {
  const ms = [...times].sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!;
  return {
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    min: round(ms[0]!),
    cpuMs: round(cpuTotalMs / ms.length),
    runs: ms.length,
  };
}
