// `npm run demo` as a user runs it: the process prints the productpage URL, that URL serves the page with details
// and reviews through the ingress gateway, and Ctrl-C removes every namespace, bridge, rule and process it made.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPage } from './bookinfo-page.ts';
import type { ProcessIdentity } from './process-identity.ts';
import { descendants, slotLeftovers } from './slot-leftovers.ts';
import { waitUntil } from './wait.ts';

const demoMain = fileURLToPath(new URL('./demo.ts', import.meta.url));

let demo: ChildProcess;
let out = '';
let slot: number;
let port: number;

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

beforeAll(async () => {
  // --port 0: a free host port, so the test never collides with a demo someone is running.
  demo = spawn(process.execPath, ['--conditions=@mesh/source', demoMain, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  demo.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await waitUntil('the demo to print the productpage URL', 240_000, () => {
    if (demo.exitCode !== null) throw new Error(`demo exited with ${demo.exitCode}:\n${out}`);
    return /Bookinfo is up:/.test(out);
  }, () => out);
  const slotMatch = /mesh slot (\d+):/.exec(out);
  const urlMatch = /curl http:\/\/127\.0\.0\.1:(\d+)\/productpage/.exec(out);
  if (!slotMatch || !urlMatch) throw new Error(`demo output lacks the slot or the URL:\n${out}`);
  slot = Number(slotMatch[1]);
  port = Number(urlMatch[1]);
}, 300_000);

afterAll(async () => {
  if (demo && demo.exitCode === null && demo.signalCode === null) {
    // A failed test left it running: its reaper cleans up after SIGKILL.
    demo.kill('SIGKILL');
    await exited(demo);
    await waitUntil('the reaper to clean the demo slot', 30_000, () => slotLeftovers(slot).length === 0, () => slotLeftovers(slot).join(', '));
  }
});

describe('npm run demo', () => {
  it('serves /productpage with details and reviews at the URL it prints, and summarises traffic', async () => {
    const page = await getPage(port);
    expect(page.status).toBe(200);
    expect(page.title).toBe('Simple Bookstore App');
    expect(page.detailsError).toBe(false);
    expect(page.reviewsError).toBe(false);
    expect(page.body).toContain('ISBN-10');
    expect(page.reviewsVersion).toMatch(/^v[123]$/);
    expect(out).toMatch(/traffic summary \(12 requests through the ingress gateway\): reviews-v[123]/);
  });

  it('removes every namespace, bridge, rule and process it made on Ctrl-C', async () => {
    const processes: ProcessIdentity[] = descendants(demo.pid as number);
    expect(processes.length).toBeGreaterThan(8);
    expect(slotLeftovers(slot)).not.toEqual([]);
    demo.kill('SIGINT');
    expect(await exited(demo)).toBe(0);
    expect(out).toContain('clean.');
    expect(slotLeftovers(slot, processes)).toEqual([]);
  });
});
