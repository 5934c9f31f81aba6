// istioctl validate run as a real process from source on valid and invalid files, a directory and stdin.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runApp } from '@mesh/testing';

const work = mkdtempSync(join(tmpdir(), 'istioctl-validate-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], stdin?: string) => runApp('istioctl', args, stdin === undefined ? {} : { stdin });

const VALID = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 80
    - destination: {host: reviews, subset: v2}
      weight: 20
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
  namespace: default
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: not-istio-config
`;

const INVALID = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings}
      weight: -1
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: istio-system
spec:
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*.example.com"]
`;

const WARNING = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: details
  namespace: default
spec:
  hosts: [details]
  http:
  - route: [{destination: {host: details}}]
  - route: [{destination: {host: details}}]
`;

describe('istioctl validate', () => {
  const validFile = join(work, 'valid.yaml');
  const invalidFile = join(work, 'invalid.yaml');
  writeFileSync(validFile, VALID);
  writeFileSync(invalidFile, INVALID);

  it('reports a valid file as valid and exits 0', async () => {
    const r = await run(['validate', '-f', validFile]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`"${validFile}" is valid\n`);
  });

  it('lists every error in upstream format with field paths and exits non-zero', async () => {
    const r = await run(['validate', '-f', invalidFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'Error: 2 errors occurred:\n' +
        '\t* VirtualService//ratings: spec.http[0].route[0].weight: weight -1 < 0\n' +
        '\t* Gateway/istio-system/gw: spec.servers[0].tls: server must have TLS settings for HTTPS/TLS protocols\n\n',
    );
  });

  it('fails when any of several files is invalid, and reads directories recursively', async () => {
    const dir = join(work, 'tree');
    mkdirSync(join(dir, 'nested'), { recursive: true });
    writeFileSync(join(dir, 'a.yaml'), VALID);
    writeFileSync(join(dir, 'nested', 'b.yml'), INVALID);
    writeFileSync(join(dir, 'notes.txt'), 'not yaml: [');
    const r = await run(['validate', '-f', validFile, '-f', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error: 2 errors occurred:');
    expect(r.stderr).toContain('VirtualService//ratings: spec.http[0].route[0].weight');
  });

  it('prints warnings without failing, and reads stdin with -f -', async () => {
    const r = await run(['validate', '-f', '-'], WARNING);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('\n\t* VirtualService/default/details: spec.http[1]: virtualService rule #1 not used (only the last rule can have no matches)\n');
  });

  it('applies --namespace to objects without one', async () => {
    const r = await run(['-n', 'prod', 'validate', '-f', invalidFile]);
    expect(r.stderr).toContain('VirtualService/prod/ratings:');
  });

  it('reports unreadable files and malformed YAML as errors', async () => {
    const broken = join(work, 'broken.yaml');
    writeFileSync(broken, 'kind: VirtualService\nspec: [unclosed\n');
    const r = await run(['validate', '-f', broken, '-f', join(work, 'missing.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/YAML decoding error/);
    expect(r.stderr).toMatch(/cannot read file ".*missing\.yaml"/);
  });

  it('validates the upstream Bookinfo networking samples as valid', async () => {
    const sample = resolve(repoRoot, '../shared/istio/bookinfo/networking/virtual-service-reviews-80-20.yaml');
    const r = await run(['validate', '-f', sample]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`"${sample}" is valid\n`);
  });
});
