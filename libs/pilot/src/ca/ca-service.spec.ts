// istiod's CA over real gRPC: TLS on a loopback port with istiod's serving cert, CSRs from @mesh/security, tokens
// from the local issuer; checks identity, chain, rejection of unauthenticated/forged callers and mTLS callers.
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, makeGenericClientConstructor, type Client, type ClientDuplexStream, type ServiceError, type ChannelCredentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CertificateAuthority,
  createCsr,
  decodeCertificateResponse,
  encodeCertificateRequest,
  istioCertificateServiceDefinition,
  mintLocalToken,
  type CertificateResponse,
} from '@mesh/security';
import { adsServiceDefinition, AdsServer, decodeDiscoveryResponse, encodeDiscoveryRequest, StaticProvider, TypeUrl } from '@mesh/xds';
import { createLogger } from '@mesh/telemetry';
import { CaService } from './ca-service.ts';
import { setupCaAuthentication } from './ca-authentication.ts';
import { startIstiodGrpc, type IstiodGrpc } from './grpc-servers.ts';

const CaClient = makeGenericClientConstructor(istioCertificateServiceDefinition, 'IstioCertificateService');
type Call = (req: Buffer, md: Metadata, cb: (err: ServiceError | null, res?: Buffer) => void) => void;

let dir: string;
let ca: CertificateAuthority;
let servers: IstiodGrpc;
let caService: CaService;
const provider = new StaticProvider();
provider.set(TypeUrl.Cluster, new Map([['c1', { name: 'c1', type: 'STATIC' }]]));
const ads = new AdsServer({ provider });
const clients: Client[] = [];

function client(port: number, creds: ChannelCredentials): Client {
  const c = new CaClient(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'istiod.istio-system.svc' });
  clients.push(c);
  return c;
}

function createCertificate(c: Client, req: Buffer, token?: string): Promise<CertificateResponse> {
  const md = new Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) =>
    (c as unknown as { CreateCertificate: Call }).CreateCertificate(req, md, (err, res) => (err ? reject(err) : resolve(decodeCertificateResponse(res!)))),
  );
}

async function csrRequest(uri = 'spiffe://cluster.local/ns/evil/sa/admin', validityDurationSeconds = 3600) {
  const { csrPem, keyPem } = await createCsr({ uris: [uri] });
  return { keyPem, bytes: encodeCertificateRequest({ csr: csrPem, validityDurationSeconds, metadata: { ClusterID: 'Kubernetes' } }) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ca-service-'));
  ca = await CertificateAuthority.create();
  const serving = await ca.issue({ dnsNames: ['istiod.istio-system.svc'], ttlMs: 3600_000 });
  const auth = await setupCaAuthentication({ ca, trustDomain: () => 'cluster.local', localSecurityDir: dir });
  caService = new CaService({ ca, authenticators: auth.authenticators, logger: createLogger('ca-test', 'silent') });
  servers = await startIstiodGrpc({
    ads,
    ca: caService,
    grpc: { host: '127.0.0.1', port: 0 },
    secureGrpc: { host: '127.0.0.1', port: 0 },
    serving: { certChainPem: serving.certPem + ca.rootPem, keyPem: serving.keyPem, rootPem: ca.rootPem },
    caOnPlaintext: true,
    logger: createLogger('ca-test', 'silent'),
  });
});

afterAll(async () => {
  clients.forEach((c) => c.close());
  await servers?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('IstioCertificateService on the TLS port', () => {
  it('signs a CSR with the caller\'s verified identity, leaf first and root last, verifying against the root', async () => {
    const root = readFileSync(join(dir, 'root-cert.pem'));
    expect(root.toString()).toBe(ca.rootPem);
    const c = client(servers.secureGrpcPort, credentials.createSsl(root));
    const token = await mintLocalToken(dir, { namespace: 'default', serviceAccount: 'bookinfo-reviews' });
    const { bytes } = await csrRequest();
    const res = await createCertificate(c, bytes, token);
    expect(res.certChain).toHaveLength(2);
    const leaf = new X509Certificate(res.certChain[0]!);
    const rootCert = new X509Certificate(res.certChain[1]!);
    expect(leaf.subjectAltName).toBe('URI:spiffe://cluster.local/ns/default/sa/bookinfo-reviews');
    expect(leaf.verify(rootCert.publicKey)).toBe(true);
    expect(rootCert.fingerprint256).toBe(new X509Certificate(ca.rootPem).fingerprint256);
    const lifetime = new Date(leaf.validTo).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(3500_000);
    expect(lifetime).toBeLessThan(3700_000);
  });

  it('rejects callers without a credential, with a forged token, or with a token for another audience', async () => {
    const c = client(servers.secureGrpcPort, credentials.createSsl(Buffer.from(ca.rootPem)));
    const { bytes } = await csrRequest();
    const before = caService.stats.success;
    await expect(createCertificate(c, bytes)).rejects.toMatchObject({ code: status.UNAUTHENTICATED, details: 'request authenticate failure' });
    const token = await mintLocalToken(dir, { namespace: 'default', serviceAccount: 'sleep' });
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'system:serviceaccount:istio-system:istiod' })).toString('base64url')}.${s}`;
    await expect(createCertificate(c, bytes, forged)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    const otherAudience = await mintLocalToken(dir, { namespace: 'default', serviceAccount: 'sleep' }, { audience: 'kubernetes' });
    await expect(createCertificate(c, bytes, otherAudience)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    await expect(createCertificate(c, bytes, 'not-a-jwt')).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    expect(caService.stats.success).toBe(before);
  });

  it('accepts a mesh client certificate (mTLS) as the credential and issues for its identity', async () => {
    const workload = await ca.issue({ uris: ['spiffe://cluster.local/ns/foo/sa/bar'], ttlMs: 3600_000 });
    const c = client(servers.secureGrpcPort, credentials.createSsl(Buffer.from(ca.rootPem), Buffer.from(workload.keyPem), Buffer.from(workload.certPem)));
    const { bytes } = await csrRequest();
    const res = await createCertificate(c, bytes);
    expect(new X509Certificate(res.certChain[0]!).subjectAltName).toBe('URI:spiffe://cluster.local/ns/foo/sa/bar');
  });

  it('does not trust a client certificate from another CA', async () => {
    const stranger = await CertificateAuthority.create();
    const cert = await stranger.issue({ uris: ['spiffe://cluster.local/ns/istio-system/sa/istiod'], ttlMs: 3600_000 });
    const c = client(servers.secureGrpcPort, credentials.createSsl(Buffer.from(ca.rootPem), Buffer.from(cert.keyPem), Buffer.from(cert.certPem)));
    const { bytes } = await csrRequest();
    await expect(createCertificate(c, bytes)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('rejects malformed CSRs and too long lifetimes with INVALID_ARGUMENT, and impersonation with UNAUTHENTICATED', async () => {
    const c = client(servers.secureGrpcPort, credentials.createSsl(Buffer.from(ca.rootPem)));
    const token = await mintLocalToken(dir, { namespace: 'default', serviceAccount: 'sleep' });
    const bad = encodeCertificateRequest({ csr: 'garbage', validityDurationSeconds: 60, metadata: {} });
    await expect(createCertificate(c, bad, token)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    await expect(createCertificate(c, Buffer.from([0x0a, 0xff]), token)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
    const { bytes: tooLong } = await csrRequest(undefined, 365 * 24 * 3600);
    await expect(createCertificate(c, tooLong, token)).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/max allowed TTL/) });
    const { csrPem } = await createCsr({});
    const impersonate = encodeCertificateRequest({ csr: csrPem, validityDurationSeconds: 60, metadata: { ImpersonatedIdentity: 'spiffe://cluster.local/ns/x/sa/y' } });
    await expect(createCertificate(c, impersonate, token)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('serves ADS on the TLS port too', async () => {
    const AdsClient = makeGenericClientConstructor(adsServiceDefinition, 'AggregatedDiscoveryService');
    const c = new AdsClient(`127.0.0.1:${servers.secureGrpcPort}`, credentials.createSsl(Buffer.from(ca.rootPem)), { 'grpc.ssl_target_name_override': 'istiod.istio-system.svc' });
    clients.push(c);
    const call = (c as unknown as { StreamAggregatedResources: () => ClientDuplexStream<Uint8Array, Buffer> }).StreamAggregatedResources();
    const first = new Promise<Buffer>((resolve, reject) => {
      call.once('data', resolve);
      call.once('error', reject);
    });
    call.write(encodeDiscoveryRequest({ type_url: TypeUrl.Cluster, resource_names: [], version_info: '', response_nonce: '', node: { id: 'sidecar~127.0.0.1~a.default~default.svc.cluster.local' } }));
    const res = decodeDiscoveryResponse(await first);
    expect(res.type_url).toBe(TypeUrl.Cluster);
    expect(res.resources).toHaveLength(1);
    call.cancel();
  });

  it('serves the CA on the plaintext port too in local mode', async () => {
    const c = client(servers.grpcPort, credentials.createInsecure());
    const token = await mintLocalToken(dir, { namespace: 'ns1', serviceAccount: 'sa1' });
    const { bytes } = await csrRequest();
    const res = await createCertificate(c, bytes, token);
    expect(new X509Certificate(res.certChain[0]!).subjectAltName).toBe('URI:spiffe://cluster.local/ns/ns1/sa/sa1');
  });
});
