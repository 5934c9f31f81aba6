import { describe, expect, it } from 'vitest';
import { WriteBudget } from './write-budget.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('WriteBudget', () => {
  it('admits writes up to the limit and the next one only after a release', async () => {
    const budget = new WriteBudget(100);
    const a = await budget.acquire(60);
    const b = await budget.acquire(40);
    let admitted = false;
    const c = budget.acquire(10).then((r) => {
      admitted = true;
      return r;
    });
    await tick();
    expect(admitted).toBe(false);
    expect(budget.bytesInFlight).toBe(100);
    a();
    a(); // idempotent
    await tick();
    expect(admitted).toBe(true);
    expect(budget.bytesInFlight).toBe(50);
    b();
    (await c)();
    expect(budget.bytesInFlight).toBe(0);
  });

  it('always admits one write, even one larger than the budget', async () => {
    const budget = new WriteBudget(10);
    const big = await budget.acquire(1000);
    expect(budget.bytesInFlight).toBe(1000);
    big();
    expect(budget.bytesInFlight).toBe(0);
  });

  it('admits waiters in arrival order', async () => {
    const budget = new WriteBudget(10);
    const first = await budget.acquire(10);
    const order: string[] = [];
    const big = budget.acquire(8).then((r) => (order.push('big'), r));
    const small = budget.acquire(1).then((r) => (order.push('small'), r));
    await tick();
    expect(order).toEqual([]);
    first();
    await tick();
    expect(order).toEqual(['big', 'small']);
    (await big)();
    (await small)();
  });

  it('stops counting a write that never drains after the release timeout', async () => {
    const budget = new WriteBudget(10, 50);
    await budget.acquire(10);
    const started = Date.now();
    const next = await budget.acquire(10);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    next();
  });
});
