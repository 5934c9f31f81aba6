import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { proxyLaunch, proxyNodeFlags } from './proxy-launch.ts';

describe('proxyLaunch', () => {
  it('runs a JavaScript or TypeScript entry on this Node with the proxy flags before the entry', () => {
    expect(proxyLaunch('/opt/mesh/bin/mesh-proxy.js')).toEqual({ command: process.execPath, args: [...proxyNodeFlags, '/opt/mesh/bin/mesh-proxy.js'] });
    expect(proxyLaunch('/src/apps/proxy/src/main.ts')).toEqual({ command: process.execPath, args: [...proxyNodeFlags, '--conditions=@mesh/source', '/src/apps/proxy/src/main.ts'] });
  });

  it('runs a native binary as is', () => {
    expect(proxyLaunch('/usr/local/bin/envoy')).toEqual({ command: '/usr/local/bin/envoy', args: [] });
  });

  it('passes flags this Node accepts, and they bound the young generation', () => {
    // Allocate enough short-lived objects for V8 to grow the young generation to its limit, then read its size back.
    const script = [
      "const v8 = require('node:v8'); const keep = [];",
      "for (let i = 0; i < 3e6; i++) { const o = { a: i, b: 'x' + i }; if (i % 100 === 0) keep.push(o); if (keep.length > 5000) keep.length = 0; }",
      "console.log(v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);",
    ].join('\n');
    const limited = Number(execFileSync(process.execPath, [...proxyNodeFlags, '-e', script], { encoding: 'utf8' }));
    const unlimited = Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
    expect(limited).toBeGreaterThan(0);
    // new_space counts both semi-spaces: 2 × 8 MB, plus a page of slack.
    expect(limited).toBeLessThanOrEqual(17 * 1024 * 1024);
    expect(unlimited).toBeGreaterThan(limited);
  });
});
