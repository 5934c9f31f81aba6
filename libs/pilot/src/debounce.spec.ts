import { describe, expect, it } from 'vitest';
import { Debouncer } from './debounce.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Debouncer', () => {
  it('merges a burst into one push after the quiet period', async () => {
    const pushed: number[][] = [];
    const d = new Debouncer<number[]>((a, b) => [...a, ...b], async (r) => void pushed.push(r), { quietMs: 40, maxMs: 1000 });
    for (let i = 0; i < 5; i++) {
      d.enqueue([i]);
      await sleep(10);
    }
    expect(pushed).toEqual([]);
    await sleep(80);
    expect(pushed).toEqual([[0, 1, 2, 3, 4]]);
    d.close();
  });

  it('pushes at the max delay even while events keep coming', async () => {
    const pushed: number[][] = [];
    const d = new Debouncer<number[]>((a, b) => [...a, ...b], async (r) => void pushed.push(r), { quietMs: 30, maxMs: 120 });
    const start = Date.now();
    let i = 0;
    while (Date.now() - start < 200) {
      d.enqueue([i++]);
      await sleep(10);
    }
    expect(pushed.length).toBeGreaterThanOrEqual(1);
    expect(pushed[0]!.length).toBeLessThan(i);
    d.close();
  });

  it('never runs two pushes at once; events during a push go into the next one', async () => {
    let running = 0;
    let maxRunning = 0;
    const pushed: number[][] = [];
    const d = new Debouncer<number[]>(
      (a, b) => [...a, ...b],
      async (r) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(60);
        pushed.push(r);
        running--;
      },
      { quietMs: 10, maxMs: 50 },
    );
    d.enqueue([1]);
    await sleep(30);
    d.enqueue([2]);
    d.enqueue([3]);
    await sleep(200);
    expect(maxRunning).toBe(1);
    expect(pushed).toEqual([[1], [2, 3]]);
    d.close();
  });
});
