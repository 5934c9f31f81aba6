import { describe, expect, it } from 'vitest';
import { freePort, waitFor } from './index.ts';

describe('freePort', () => {
  it('returns a bindable port number', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThan(65536);
  });
  it('waitFor rejects when the condition never holds', async () => {
    await expect(waitFor(() => false, 50)).rejects.toThrow(/not met/);
  });
});
