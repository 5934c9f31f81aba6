// istioctl kube-inject run as a real process from source against upstream inputs and goldens.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runApp } from '@mesh/testing';

const testdata = resolve(repoRoot, '../shared/istio/inject/testdata');
const work = mkdtempSync(join(tmpdir(), 'kube-inject-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], stdin?: string) => runApp('istioctl', args, stdin === undefined ? {} : { stdin });

const normalise = (s: string): string => s.trim().replace(/(image: )"?(?:[^\s"]*\/)?([^/\s":]+)(?::[^\s"]+)?"?/g, '$1$2');

describe('istioctl kube-inject', () => {
  for (const name of ['replicaset.yaml', 'frontend.yaml', 'hello-probes.yaml', 'list.yaml']) {
    it(`matches the upstream golden for ${name}`, async () => {
      const r = await run(['kube-inject', '-f', join(testdata, name)]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(normalise(r.stdout)).toBe(normalise(readFileSync(join(testdata, `${name}.injected`), 'utf8')));
    });
  }

  it('reads stdin and writes -o, reporting skipped workloads on stderr', async () => {
    const out = join(work, 'out.yaml');
    const r = await run(['kube-inject', '-f', '-', '-o', out], readFileSync(join(testdata, 'hello-host-network.yaml'), 'utf8'));
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('has host networking enabled');
    expect(readFileSync(out, 'utf8').trim()).toBe(readFileSync(join(testdata, 'hello-host-network.yaml.injected'), 'utf8').trim());
  });

  it('applies --valuesFile and --meshConfigFile', async () => {
    const values = join(work, 'values.json');
    const mesh = join(work, 'mesh.yaml');
    writeFileSync(values, JSON.stringify({ global: { hub: 'example.com/mesh', tag: '9.9', proxy: { image: 'proxy' } } }));
    writeFileSync(mesh, 'defaultConfig:\n  drainDuration: 23s\n');
    const r = await run(['kube-inject', '-f', join(testdata, 'replicaset.yaml'), '--valuesFile', values, '--meshConfigFile', mesh]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('image: example.com/mesh/proxy:9.9');
    expect(r.stdout).toContain('{"drainDuration":"23s"}');
  });

  it('fails with the annotation problem for invalid input', async () => {
    const r = await run(['kube-inject', '-f', join(testdata, 'traffic-annotations-bad-excludeoutboundports.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr.toLowerCase()).toContain('excludeoutboundports');
    expect(r.stdout).toBe('');
  });

  it('explains a missing filename', async () => {
    const r = await run(['kube-inject']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('filename not specified');
  });
});
