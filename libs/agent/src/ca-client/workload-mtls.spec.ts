// End to end against a real istiod process (local mode): the agent's CA client sends a CSR over TLS to 15012
// (root from root-cert.pem, token minted with istiod's local issuer), the SDS server hands Envoy-shaped secrets
// over the unix socket, and two workloads then talk mTLS with node:tls, each verifying the other's SPIFFE SAN.
import { type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateAuthority, createCsr, LocalTokenIssuer, mintLocalToken, splitPemCertificates } from '@mesh/security';
import { freePort, repoRoot, spawnApp, waitFor } from '@mesh/testing';
import { startWorkloadIdentity, type WorkloadIdentity } from '../sds/workload-identity.ts';
import { SotwSdsClient, secretsOf, type DecodedSecret } from '../sds/sds-test-client.test-util.ts';
import { CaClient, caClientOptionsFromEnv } from './ca-client.ts';

let dir: string;
let securityDir: string;
let istiod: ChildProcess;
let logs = '';
let ports: { grpc: number; secureGrpc: number };
const identities: WorkloadIdentity[] = [];
const sdsClients: SotwSdsClient[] = [];

/** An agent root as the injector lays it out: token and root cert mounted under var/run/secrets. */
async function agentRoot(name: string, namespace: string, serviceAccount: string): Promise<string> {
  const root = join(dir, name);
  mkdirSync(join(root, 'var/run/secrets/tokens'), { recursive: true });
  mkdirSync(join(root, 'var/run/secrets/istio'), { recursive: true });
  writeFileSync(join(root, 'var/run/secrets/tokens/istio-token'), await mintLocalToken(securityDir, { namespace, serviceAccount }));
  copyFileSync(join(securityDir, 'root-cert.pem'), join(root, 'var/run/secrets/istio/root-cert.pem'));
  return root;
}

async function workloadSecrets(name: string, namespace: string, serviceAccount: string): Promise<{ def: DecodedSecret; root: DecodedSecret }> {
  const root = await agentRoot(name, namespace, serviceAccount);
  const env = { POD_NAMESPACE: namespace, SERVICE_ACCOUNT: serviceAccount, TRUST_DOMAIN: 'cluster.local' };
  const id = await startWorkloadIdentity({ root, discoveryAddress: `localhost:${ports.secureGrpc}`, env });
  identities.push(id);
  expect(id.description).toMatch(/tls localhost:\d+ \(server name istiod.istio-system.svc\)/);
  const c = new SotwSdsClient(id.sds!.socketPath);
  sdsClients.push(c);
  c.request(['default', 'ROOTCA']);
  const secrets = secretsOf(await c.next(15_000));
  return { def: secrets.find((s) => s.name === 'default')!, root: secrets.find((s) => s.name === 'ROOTCA')! };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'workload-mtls-'));
  const configDir = join(dir, 'config');
  securityDir = join(dir, 'security');
  mkdirSync(configDir);
  writeFileSync(join(configDir, 'ns.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n');
  istiod = spawnApp('istiod', [
    '--configDir', configDir, '--securityDir', securityDir,
    '--grpcAddr', '127.0.0.1:0', '--secureGRPCAddr', '127.0.0.1:0',
    '--httpAddr', '127.0.0.1:0', '--monitoringAddr', '127.0.0.1:0', '--httpsAddr', '127.0.0.1:0',
  ]);
  istiod.stdout!.on('data', (d) => (logs += d));
  istiod.stderr!.on('data', (d) => (logs += d));
  await waitFor(() => /"istiod: ready"/.test(logs), 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${logs}`);
  });
  ports = (JSON.parse(logs.split('\n').find((l) => l.includes('istiod: ready'))!) as { ports: typeof ports }).ports;
}, 60_000);

afterAll(async () => {
  sdsClients.forEach((c) => c.close());
  await Promise.all(identities.map((i) => i.close()));
  if (istiod && istiod.exitCode === null) {
    istiod.kill('SIGTERM');
    await Promise.race([once(istiod, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    if (istiod.exitCode === null) istiod.kill('SIGKILL');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('workload certificates from istiod', () => {
  it('issues the caller\'s SPIFFE identity over TLS 15012 and serves it over SDS, verifying against the root', async () => {
    const { def, root } = await workloadSecrets('reviews', 'default', 'bookinfo-reviews');
    const chain = splitPemCertificates(def.certChain!);
    const leaf = new X509Certificate(chain[0]!);
    expect(leaf.subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
    expect(root.trustedCa).toBe(chain[chain.length - 1]);
    expect(leaf.verify(new X509Certificate(root.trustedCa!).publicKey)).toBe(true);
    expect(leaf.issuer).toBe(new X509Certificate(root.trustedCa!).subject);
  }, 30_000);

  it('rejects a CSR without a token, and one with a token from another issuer', async () => {
    const root = await agentRoot('anon', 'default', 'sleep');
    const opts = caClientOptionsFromEnv(`localhost:${ports.secureGrpc}`, root, { JWT_PATH: join(root, 'missing-token') });
    const client = new CaClient(opts);
    const { csrPem } = await createCsr({ uris: ['spiffe://cluster.local/ns/default/sa/sleep'] });
    await expect(client.sign(csrPem, 3600)).rejects.toThrow(/16 request authenticate failure/);
    const other = await LocalTokenIssuer.loadOrCreate(join(dir, 'other-issuer'));
    const forged = await other.mint({ namespace: 'istio-system', serviceAccount: 'istiod' });
    const client2 = new CaClient({ ...opts, token: () => forged });
    await expect(client2.sign(csrPem, 3600)).rejects.toThrow(/UNAUTHENTICATED|16 /);
    client.close();
    client2.close();
  }, 30_000);

  it('lets two workloads talk mTLS with the issued certificates, each seeing the other\'s SPIFFE SAN', async () => {
    const server = await workloadSecrets('productpage', 'default', 'bookinfo-productpage');
    const client = await workloadSecrets('ratings', 'bookinfo', 'bookinfo-ratings');
    let serverSawPeer = '';
    let served = 0;
    const srv = tls.createServer({ cert: server.def.certChain, key: server.def.privateKey, ca: server.root.trustedCa, requestCert: true, rejectUnauthorized: true }, (s) => {
      served++;
      serverSawPeer = String(s.getPeerCertificate().subjectaltname);
      s.end('hello over mTLS');
    });
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    try {
      const port = (srv.address() as { port: number }).port;
      const sock = tls.connect({
        host: '127.0.0.1',
        port,
        cert: client.def.certChain,
        key: client.def.privateKey,
        ca: client.root.trustedCa,
        // mesh peers are checked by SPIFFE SAN, not by host name (as Envoy's match_subject_alt_names)
        checkServerIdentity: (_host, cert) =>
          cert.subjectaltname === 'URI:spiffe://cluster.local/ns/default/sa/bookinfo-productpage' ? undefined : new Error(`unexpected peer ${cert.subjectaltname}`),
      });
      let data = '';
      sock.on('data', (d) => (data += d));
      await once(sock, 'end');
      expect(sock.authorized).toBe(true);
      expect(data).toBe('hello over mTLS');
      expect(serverSawPeer).toBe('URI:spiffe://cluster.local/ns/bookinfo/sa/bookinfo-ratings');

      // a certificate from another CA is refused by the server (TLS 1.3: the client learns it after its handshake)
      const refused = new Promise<Error>((resolve) => srv.once('tlsClientError', resolve));
      const stranger = await (await CertificateAuthority.create()).issue({ uris: ['spiffe://cluster.local/ns/default/sa/bookinfo-productpage'] });
      const bad = tls.connect({ host: '127.0.0.1', port, cert: stranger.certPem, key: stranger.keyPem, ca: client.root.trustedCa, checkServerIdentity: () => undefined });
      const outcome = await new Promise<string>((resolve) => {
        bad.on('error', (e) => resolve(`error: ${e.message}`));
        bad.on('data', (d) => resolve(`data: ${d}`));
        bad.on('end', () => resolve('end'));
      });
      expect(outcome).not.toMatch(/^data/);
      await refused; // the handshake failed on the server side
      expect(served).toBe(1);
    } finally {
      srv.close();
    }
  }, 40_000);

  it('pilot-agent serves its workload certificate over SDS at start-up (process-level wiring, TLS to 15012)', async () => {
    const root = await agentRoot('agent-proc', 'default', 'bookinfo-details');
    const [admin, statusPort] = [await freePort(), await freePort()];
    const agent = spawnApp('pilot-agent', ['proxy', 'sidecar', '--root', root, '--statusHost', '127.0.0.1', '--meshConfig', join(root, 'none')], {
      env: {
        ...process.env,
        POD_NAME: 'details-v1-0',
        POD_NAMESPACE: 'default',
        INSTANCE_IP: '127.0.0.1',
        SERVICE_ACCOUNT: 'bookinfo-details',
        PROXY_CONFIG: JSON.stringify({
          binaryPath: join(repoRoot, 'libs/agent/testdata/fake-proxy.mjs'),
          proxyAdminPort: admin,
          statusPort,
          discoveryAddress: `localhost:${ports.secureGrpc}`,
          drainDuration: '1s',
          terminationDrainDuration: '1s',
        }),
      },
    });
    let out = '';
    agent.stdout!.on('data', (d) => (out += d));
    agent.stderr!.on('data', (d) => (out += d));
    try {
      const socketPath = join(root, 'var/run/secrets/workload-spiffe-uds/socket');
      await waitFor(() => /"agent started"/.test(out), 20_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${out}`);
      });
      const c = new SotwSdsClient(socketPath);
      sdsClients.push(c);
      c.request(['default']);
      const [def] = secretsOf(await c.next(15_000));
      expect(new X509Certificate(splitPemCertificates(def!.certChain!)[0]!).subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/bookinfo-details');
    } finally {
      // SIGTERM so the agent stops its proxy child too; SIGKILL only as a fallback
      const exited = once(agent, 'exit');
      agent.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 6000))]);
      if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    }
  }, 40_000);
});
