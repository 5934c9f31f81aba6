import { describe, expect, it } from 'vitest';
import { ReconnectBackoff } from './reconnect-backoff.ts';

describe('ReconnectBackoff', () => {
  it('doubles each delay up to the cap, with ±20 % jitter, and starts over after reset', () => {
    const b = new ReconnectBackoff({ initialMs: 100, maxMs: 500 });
    const nominal = [100, 200, 400, 500, 500];
    for (const n of nominal) {
      expect(b.nominalMs).toBe(n);
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(n * 0.8);
      expect(d).toBeLessThanOrEqual(n * 1.2);
    }
    b.reset();
    expect(b.nominalMs).toBe(100);
  });

  it('defaults to 500 ms doubling to 30 s', () => {
    const b = new ReconnectBackoff();
    expect(b.nominalMs).toBe(500);
    for (let i = 0; i < 10; i++) b.next();
    expect(b.nominalMs).toBe(30_000);
  });
});
