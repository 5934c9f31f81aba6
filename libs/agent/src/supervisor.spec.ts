import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@mesh/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '@mesh/testing';
import { httpGet } from './status/envoy-readiness.ts';
import { ProxySupervisor } from './supervisor.ts';

const fakeProxy = resolve(fileURLToPath(new URL('.', import.meta.url)), '../testdata/fake-proxy.mjs');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(terminationDrainMs: number): Promise<{ sup: ProxySupervisor; adminPort: number; dataPort: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'agent-sup-'));
  const adminPort = await freePort();
  const dataPort = await freePort();
  const bootstrapPath = join(dir, 'envoy-rev.json');
  writeFileSync(bootstrapPath, JSON.stringify({ admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } } }));
  const sup = new ProxySupervisor({
    command: process.execPath,
    args: [fakeProxy],
    bootstrapPath,
    adminPort,
    terminationDrainMs,
    env: { ...process.env, FAKE_DATA_PORT: String(dataPort) },
  });
  cleanups.push(async () => {
    await sup.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  sup.start();
  await waitFor(async () => (await httpGet(`http://127.0.0.1:${adminPort}/ready`, 200)).status === 200, 10_000);
  return { sup, adminPort, dataPort };
}

describe('ProxySupervisor', () => {
  // a timing assertion on a shared 2-core machine: retried so a load spike does not fail the run
  it('brings a killed proxy back within 1 s', { retry: 2 }, async () => {
    const { sup, adminPort } = await setup(500);
    const firstPid = sup.pid!;
    process.kill(firstPid, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(async () => {
      const r = await httpGet(`http://127.0.0.1:${adminPort}/ready`, 200);
      return r.status === 200 && sup.pid !== undefined && sup.pid !== firstPid;
    }, 3000, 10);
    const elapsed = Date.now() - killedAt;
    expect(elapsed).toBeLessThan(1000);
    expect(sup.starts).toBe(2);
  });

  it('backs off exponentially when the proxy keeps crashing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-sup-'));
    const starts: number[] = [];
    const delays: number[] = [];
    const crash = join(dir, 'crash.mjs');
    writeFileSync(crash, 'process.exit(3);\n');
    const noop = () => undefined;
    const logger = {
      info: noop,
      debug: noop,
      error: noop,
      warn: (o: { restartInMs?: number }) => {
        if (typeof o.restartInMs === 'number') delays.push(o.restartInMs);
      },
    } as unknown as Logger;
    const sup = new ProxySupervisor({
      command: process.execPath,
      args: [crash],
      bootstrapPath: join(dir, 'missing.json'),
      adminPort: 1,
      terminationDrainMs: 0,
      initialBackoffMs: 40,
      logger,
      onStart: () => starts.push(Date.now()),
    });
    cleanups.push(async () => {
      await sup.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    sup.start();
    await waitFor(() => starts.length >= 4, 10_000);
    await sup.stop();
    // The delays the supervisor chose (wall-clock gaps also hold process start-up time, which varies under load).
    expect(delays.slice(0, 3)).toEqual([40, 80, 160]);
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] as number));
    expect(gaps[2]!).toBeGreaterThanOrEqual(160);
  });

  it('drains: in-flight requests finish, new connections are refused, then the proxy stops', async () => {
    const { sup, dataPort } = await setup(800);
    const inFlight = httpGet(`http://127.0.0.1:${dataPort}/slow?ms=400`, 5000);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    const stopping = sup.drainAndStop();
    await waitFor(async () => {
      try {
        await httpGet(`http://127.0.0.1:${dataPort}/slow?ms=0`, 200);
        return false;
      } catch {
        return true; // refused: listener drained
      }
    }, 2000);
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/ok after 400 ms/);
    await stopping;
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(sup.pid).toBeUndefined();
  });
});
