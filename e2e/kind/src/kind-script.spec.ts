// The kind script and the CI workflows: shellcheck and actionlint are clean, and run.sh stops at once, before
// creating anything, with a message naming the missing tool when docker or kind is not installed.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hasTestenvBins, repoRoot, testenvBin } from '@mesh/testing';

const execFileAsync = promisify(execFile);
const script = join(repoRoot, 'e2e/kind/run.sh');
const shellcheck = ['/usr/bin/shellcheck', '/usr/local/bin/shellcheck'].find((p) => existsSync(p));

async function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd: repoRoot, env, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('kind script and workflows', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A PATH with the basic tools the script needs and the given fakes (each exits 0), nothing else. */
  function pathWith(fakes: string[]): string {
    const bin = mkdtempSync(join(tmpdir(), 'mesh-kind-path-'));
    dirs.push(bin);
    for (const tool of ['dirname', 'sed', 'head', 'mktemp', 'grep', 'cat', 'rm']) {
      const real = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
      if (real) symlinkSync(real, join(bin, tool));
    }
    for (const fake of fakes) {
      writeFileSync(join(bin, fake), '#!/bin/sh\nexit 0\n');
      chmodSync(join(bin, fake), 0o755);
    }
    return bin;
  }

  it.skipIf(!shellcheck)('run.sh and the release scripts pass shellcheck', async () => {
    const r = await run(shellcheck as string, [script, join(repoRoot, 'tools/release/build-images.sh'), join(repoRoot, 'tools/release/package-charts.sh')]);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('fails fast with a clear message when docker is missing', async () => {
    const started = Date.now();
    const r = await run('/bin/bash', [script], { PATH: pathWith([]), HOME: tmpdir() });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('docker is not installed or not on PATH');
    expect(r.out).not.toContain('creating kind cluster');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails fast with a clear message when kind is missing', async () => {
    const r = await run('/bin/bash', [script], { PATH: pathWith(['docker']), HOME: tmpdir() });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('kind is not installed or not on PATH');
    expect(r.out).not.toContain('creating kind cluster');
  });

  it.skipIf(!hasTestenvBins('actionlint'))('the workflows pass actionlint', async () => {
    const r = await run(testenvBin('actionlint'), ['-shellcheck', shellcheck ?? '', '-color=false'].filter((a) => a !== ''));
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});
