import { describe, expect, it } from 'vitest';
import { createLogger, normalizeLevel } from './index.ts';

describe('logger', () => {
  it('maps Envoy and Istio level names onto pino levels', () => {
    expect(normalizeLevel('warning')).toBe('warn');
    expect(normalizeLevel('critical')).toBe('fatal');
    expect(normalizeLevel('off')).toBe('silent');
    expect(normalizeLevel('nonsense')).toBe('info');
  });
  it('creates a logger at the requested level', () => {
    const log = createLogger('test', 'debug');
    expect(log.level).toBe('debug');
    expect(log.isLevelEnabled('trace')).toBe(false);
  });
});
