// The SDS server over a real unix socket, with a secret cache signed by a real CA: both secrets, ACK silence,
// rotation pushes (default re-sent, ROOTCA untouched), Delta, malformed input, and an existing provider's socket.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, splitPemCertificates } from '@mesh/security';
import { createLogger } from '@mesh/telemetry';
import { SecretCache } from './secret-cache.ts';
import { startSdsServer, type SdsServer } from './sds-server.ts';
import { DeltaSdsClient, secretsOf, SotwSdsClient } from './sds-test-client.test-util.ts';

let dir: string;
let ca: CertificateAuthority;
let cache: SecretCache;
let sds: SdsServer;
let signed = 0;
const clients: { close(): void }[] = [];
const socket = () => join(dir, 'var/run/secrets/workload-spiffe-uds/socket');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sds-'));
  ca = await CertificateAuthority.create();
  cache = new SecretCache({
    // the CA decides the identity; this one stands in for istiod's verified caller
    sign: async (csr, ttl) => {
      signed++;
      const leaf = await ca.signCsr(csr, { uris: ['spiffe://cluster.local/ns/default/sa/reviews'], ttlMs: ttl * 1000 });
      return [...splitPemCertificates(leaf), ...splitPemCertificates(ca.rootPem)];
    },
    identity: { trustDomain: 'cluster.local', namespace: 'default', serviceAccount: 'reviews' },
    ttlSeconds: 6,
    graceRatio: 0.5,
  });
  sds = (await startSdsServer({ socketPath: socket(), cache, logger: createLogger('sds-test', 'silent') }))!;
  cache.start();
  await cache.ready();
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  cache?.close();
  await sds?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SDS server (StreamSecrets)', () => {
  it('serves default (chain + key matching the certificate) and ROOTCA, and stays silent on ACK', async () => {
    await cache.refresh(); // a fresh 6 s certificate: no rotation (at ~3 s) while this test runs
    const c = new SotwSdsClient(socket());
    clients.push(c);
    c.request(['default', 'ROOTCA']);
    const r = await c.next();
    const def = secretsOf(r).find((x) => x.name === 'default');
    const root = secretsOf(r).find((x) => x.name === 'ROOTCA');
    expect(r.resources).toHaveLength(2);
    expect(def?.name).toBe('default');
    expect(root?.name).toBe('ROOTCA');
    expect(root?.trustedCa).toBe(ca.rootPem);
    const chain = splitPemCertificates(def!.certChain!);
    expect(chain).toHaveLength(2);
    const leaf = new X509Certificate(chain[0]!);
    expect(leaf.subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/reviews');
    expect(leaf.verify(new X509Certificate(ca.rootPem).publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(def!.privateKey!))).toBe(true);
    c.request(['default', 'ROOTCA'], r); // ACK
    await expect(c.next(300)).rejects.toThrow(/no SDS response/);
  });

  it('pushes a new default when the certificate rotates, but not ROOTCA whose bundle did not change', async () => {
    const d = new SotwSdsClient(socket());
    const rc = new SotwSdsClient(socket());
    clients.push(d, rc);
    d.request(['default']);
    rc.request(['ROOTCA']);
    const first = await d.next();
    const firstRoot = await rc.next();
    d.request(['default'], first);
    rc.request(['ROOTCA'], firstRoot);
    const before = signed;
    const rotated = await d.next(10_000); // 6 s lifetime, rotation once half remains
    expect(signed).toBeGreaterThan(before);
    expect(rotated.version_info).not.toBe(first.version_info);
    const oldLeaf = splitPemCertificates(secretsOf(first)[0]!.certChain!)[0];
    const newLeaf = splitPemCertificates(secretsOf(rotated)[0]!.certChain!)[0];
    expect(newLeaf).not.toBe(oldLeaf);
    expect(secretsOf(rotated)[0]!.privateKey).not.toBe(secretsOf(first)[0]!.privateKey);
    await expect(rc.next(200)).rejects.toThrow(/no SDS response/);
  });

  it('ends a stream that sends a malformed request with INVALID_ARGUMENT and keeps serving others', async () => {
    const bad = new SotwSdsClient(socket());
    clients.push(bad);
    bad.call.write(Buffer.from([0x0a, 0xff, 0xff]));
    await expect.poll(() => bad.ended?.message ?? '', { timeout: 3000 }).toMatch(/^3 INVALID_ARGUMENT/);
    const good = new SotwSdsClient(socket());
    clients.push(good);
    good.request(['ROOTCA']);
    expect(secretsOf(await good.next())[0]?.trustedCa).toBe(ca.rootPem);
  });
});

describe('SDS server (DeltaSecrets)', () => {
  it('sends subscribed secrets once, then only what changes', async () => {
    const c = new DeltaSdsClient(socket());
    clients.push(c);
    c.send(['default', 'ROOTCA', 'unknown-secret']);
    const r = await c.next();
    expect(r.resources.map((x) => x.name).sort()).toEqual(['ROOTCA', 'default']);
    c.send([], r.nonce); // ACK
    const rotated = await c.next(10_000);
    expect(rotated.resources.map((x) => x.name)).toEqual(['default']);
    expect(secretsOf(rotated)[0]?.certChain).toContain('BEGIN CERTIFICATE');
  });
});

describe('socket ownership', () => {
  let other: NetServer | undefined;
  afterAll(() => other?.close());

  it('does not start when another provider already serves the socket, and replaces a stale socket file', async () => {
    const path = join(dir, 'other/socket');
    mkdirSync(dirname(path), { recursive: true });
    other = createServer((s) => s.end());
    await new Promise<void>((r) => other!.listen(path, r));
    expect(await startSdsServer({ socketPath: path, cache })).toBeUndefined();
    await new Promise<void>((r) => other!.close(() => r()));
    other = undefined;
    // closing a net server unlinks its socket; leave a stale file like a crashed agent would
    const stalePath = join(dir, 'stale/socket');
    mkdirSync(dirname(stalePath), { recursive: true });
    const crashed = createServer();
    await new Promise<void>((r) => crashed.listen(stalePath, r));
    // simulate a crash: stop accepting without unlinking
    (crashed as unknown as { _handle: { close(): void } | null })._handle?.close();
    const mine = await startSdsServer({ socketPath: stalePath, cache });
    expect(mine).toBeDefined();
    const c = new SotwSdsClient(stalePath);
    clients.push(c);
    c.request(['ROOTCA']);
    expect(secretsOf(await c.next())[0]?.trustedCa).toBe(ca.rootPem);
    await mine!.close();
  });
});
