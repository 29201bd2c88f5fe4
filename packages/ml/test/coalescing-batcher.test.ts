import { describe, expect, it } from 'vitest';
import { coalescingBatcher } from '../src/backbones/coalescing-batcher.ts';

/** A forward pass that records its batches and takes `ms` (like a network run on other threads). */
function recordingForward(ms = 5) {
  const batches: number[][] = [];
  const forward = async (batch: readonly number[]) => {
    batches.push([...batch]);
    await new Promise((r) => setTimeout(r, ms));
    return batch.map((x) => x * 10);
  };
  return { batches, forward };
}

describe('coalescingBatcher', () => {
  it('puts requests that arrive together, or while a pass runs, into shared passes, answering each its own items', async () => {
    const { batches, forward } = recordingForward();
    const batcher = coalescingBatcher(forward, 8);
    const first = batcher.run([1]);
    const together = [batcher.run([2]), batcher.run([3, 4])];
    expect(await first).toEqual([10]);
    expect(await Promise.all(together)).toEqual([[20], [30, 40]]);
    // The three simultaneous requests make one pass.
    expect(batches).toEqual([[1, 2, 3, 4]]);
    // Arrivals during a pass wait for it and then share the next.
    const running = batcher.run([5]);
    await new Promise((r) => setTimeout(r, 1));
    const later = [batcher.run([6]), batcher.run([7])];
    expect(await running).toEqual([50]);
    expect(await Promise.all(later)).toEqual([[60], [70]]);
    expect(batches.slice(1)).toEqual([[5], [6, 7]]);
  });

  it('never exceeds the batch size, and lets later requests in between the chunks of a large one', async () => {
    const { batches, forward } = recordingForward();
    const batcher = coalescingBatcher(forward, 4);
    const big = batcher.run([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await new Promise((r) => setTimeout(r, 1));
    const small = batcher.run([100]);
    expect(await big).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    expect(await small).toEqual([1000]);
    expect(batches.every((b) => b.length <= 4)).toBe(true);
    const smallPass = batches.findIndex((b) => b.includes(100));
    const lastBigPass = batches.findIndex((b) => b.includes(10));
    expect(smallPass).toBeLessThan(lastBigPass);
  });

  it('rejects every request of a failed pass and keeps serving the next ones', async () => {
    let fail = true;
    const batcher = coalescingBatcher(async (batch: readonly number[]) => {
      await new Promise((r) => setTimeout(r, 1));
      if (fail) throw new Error('boom');
      return [...batch];
    }, 8);
    const failed = [batcher.run([1]), batcher.run([2])];
    await expect(Promise.all(failed)).rejects.toThrow('boom');
    await Promise.allSettled(failed);
    fail = false;
    expect(await batcher.run([3])).toEqual([3]);
    await batcher.idle();
  });
});

describe('coalescingBatcher with several lanes', () => {
  it('runs a request that arrives while one lane is busy on the idle lane, and spreads a large request over both', async () => {
    const a = recordingForward(20);
    const b = recordingForward(20);
    const batcher = coalescingBatcher([a.forward, b.forward], 2);
    const first = batcher.run([1]);
    await new Promise((r) => setTimeout(r, 5));
    // Lane a is running [1]: this one must not wait for it.
    const t0 = performance.now();
    expect(await batcher.run([2])).toEqual([20]);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(await first).toEqual([10]);
    expect(a.batches).toEqual([[1]]);
    expect(b.batches).toEqual([[2]]);

    // Chunks of one large request go to both lanes and come back in order.
    expect(await batcher.run([1, 2, 3, 4, 5, 6, 7, 8])).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    const chunks = [...a.batches.slice(1), ...b.batches.slice(1)];
    expect(chunks.sort((x, y) => x[0]! - y[0]!)).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ]);
    expect(a.batches.length).toBeGreaterThan(1);
    expect(b.batches.length).toBeGreaterThan(1);
    await batcher.idle();
  });

  it('splits a request over idle lanes: two views run side by side', async () => {
    const a = recordingForward(30);
    const b = recordingForward(30);
    const batcher = coalescingBatcher([a.forward, b.forward], 4);
    const t0 = performance.now();
    expect(await batcher.run([1, 2])).toEqual([10, 20]);
    expect(a.batches).toEqual([[1]]);
    expect(b.batches).toEqual([[2]]);
    // Side by side: one pass's time, not two.
    expect(performance.now() - t0).toBeLessThan(55);
    await batcher.idle();
  });

  it('answers every request of a failed pass with its error and keeps serving', async () => {
    let fail = true;
    const broken = async (batch: readonly number[]) => {
      await new Promise((r) => setTimeout(r, 2));
      if (fail) throw new Error('pass failed');
      return batch.map((x) => x + 1);
    };
    const batcher = coalescingBatcher([broken, broken], 4);
    await expect(batcher.run([1, 2, 3, 4, 5, 6, 7, 8, 9])).rejects.toThrow('pass failed');
    fail = false;
    expect(await batcher.run([1, 2])).toEqual([2, 3]);
    await batcher.idle();
  });
});
