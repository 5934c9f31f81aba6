// pilot-agent's client of istiod's CA (istio.v1.auth.IstioCertificateService/CreateCertificate): TLS to 15012 with
// the mesh root, or plaintext to 15010 in local mode; the projected service-account token rides as a bearer header.
import { existsSync, readFileSync } from 'node:fs';
import { credentials, makeGenericClientConstructor, Metadata, type ChannelCredentials, type Client, type ServiceError } from '@grpc/grpc-js';
import { decodeCertificateResponse, encodeCertificateRequest, istioCertificateServiceDefinition } from '@mesh/security';
import { splitHostPort } from '../bootstrap/index.ts';

const CertificateClient = makeGenericClientConstructor(istioCertificateServiceDefinition, 'IstioCertificateService');
type CreateCertificate = (req: Buffer, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: Buffer) => void) => void;

/** Where and how to reach the CA. */
export interface CaClientOptions {
  /** host:port of the CA (CA_ADDR, default the discovery address). */
  address: string;
  /** TLS with this root and server name; plaintext when absent. */
  tls?: { rootCertPem: string; serverName: string };
  /** Reads the bearer token for each request (tokens are rotated on disk by the kubelet). */
  token?: () => string | undefined;
  /** Sent as metadata ClusterID, as upstream. */
  clusterId?: string;
  /** Per-request deadline (default 10 s). */
  timeoutMs?: number;
}

export class CaClient {
  readonly description: string;
  private readonly client: Client;
  private readonly opts: CaClientOptions;

  constructor(opts: CaClientOptions) {
    this.opts = opts;
    const creds: ChannelCredentials = opts.tls ? credentials.createSsl(Buffer.from(opts.tls.rootCertPem)) : credentials.createInsecure();
    const channelOptions = opts.tls ? { 'grpc.ssl_target_name_override': opts.tls.serverName, 'grpc.default_authority': opts.tls.serverName } : {};
    this.client = new CertificateClient(opts.address, creds, channelOptions);
    this.description = opts.tls ? `tls ${opts.address} (server name ${opts.tls.serverName})` : `plaintext ${opts.address}`;
  }

  /** Sends a CSR; resolves to the chain (leaf first, root last) or rejects with the gRPC status. */
  sign(csrPem: string, ttlSeconds: number): Promise<string[]> {
    const md = new Metadata();
    const token = this.opts.token?.();
    if (token) md.set('authorization', `Bearer ${token}`);
    if (this.opts.clusterId) md.set('clusterid', this.opts.clusterId);
    const req = encodeCertificateRequest({
      csr: csrPem,
      validityDurationSeconds: ttlSeconds,
      metadata: this.opts.clusterId ? { ClusterID: this.opts.clusterId } : {},
    });
    const deadline = Date.now() + (this.opts.timeoutMs ?? 10_000);
    return new Promise((resolve, reject) => {
      (this.client as unknown as { CreateCertificate: CreateCertificate }).CreateCertificate(req, md, { deadline }, (err, res) => {
        if (err) return reject(new Error(`CA ${this.description}: ${err.code} ${err.details}`));
        try {
          const { certChain } = decodeCertificateResponse(res ?? Buffer.alloc(0));
          if (certChain.length < 2) return reject(new Error(`CA ${this.description}: response chain has ${certChain.length} certificates, want leaf and root`));
          resolve(certChain);
        } catch (e) {
          reject(e as Error);
        }
      });
    });
  }

  close(): void {
    this.client.close();
  }
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/**
 * The CA client settings upstream's agent derives: CA_ADDR (else the discovery address); plaintext on port 15010 (or
 * controlPlaneAuthPolicy NONE without CA_ADDR),
 * else TLS with XDS_ROOT_CA or `<root>/var/run/secrets/istio/root-cert.pem` and server name ISTIOD_SAN or the host
 * (`localhost` → istiod.istio-system.svc); token from JWT_PATH or `<root>/var/run/secrets/tokens/istio-token`.
 */
export function caClientOptionsFromEnv(discoveryAddress: string, root: string, env: NodeJS.ProcessEnv, authPolicy?: string): CaClientOptions {
  const address = env['CA_ADDR'] || discoveryAddress;
  const { host, port } = splitHostPort(address, 'CA_ADDR');
  const tokenPath = env['JWT_PATH'] || `${root}/var/run/secrets/tokens/istio-token`;
  const base: CaClientOptions = {
    address,
    token: () => readIfExists(tokenPath)?.trim(),
    clusterId: env['ISTIO_META_CLUSTER_ID'] || 'Kubernetes',
  };
  if (port === 15010 || (authPolicy === 'NONE' && !env['CA_ADDR'])) return base;
  const rootPath = env['CA_ROOT_CA'] || env['XDS_ROOT_CA'] || `${root}/var/run/secrets/istio/root-cert.pem`;
  const rootCertPem = readIfExists(rootPath);
  if (rootCertPem === undefined) throw new Error(`CA root certificate ${rootPath} not found: mount the istio-ca-root-cert ConfigMap or set XDS_ROOT_CA`);
  const serverName = env['ISTIOD_SAN'] || (host === 'localhost' ? 'istiod.istio-system.svc' : host);
  return { ...base, tls: { rootCertPem, serverName } };
}
