// istiod's gRPC listeners: plaintext 15010 (ADS; plus the CA in local mode, where there is no cluster to protect the
// port) and TLS 15012 (ADS + CA). 15012 asks for, but does not require, a client certificate: callers prove their
// identity with a bearer JWT or with a mesh certificate, which the CA's client-cert authenticator accepts.
import { experimental, Server, ServerCredentials } from '@grpc/grpc-js';
import type { AdsServer } from '@mesh/xds';
import type { Logger } from '@mesh/telemetry';
import type { CaService } from './ca-service.ts';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = Parameters<CertificateProvider['addCaCertificateListener']>[0];
type IdentityListener = Parameters<CertificateProvider['addIdentityCertificateListener']>[0];

/** Fixed serving material for grpc-js's certificate-provider credentials (the only way to get optional client certs). */
class StaticCertificateProvider implements CertificateProvider {
  private readonly ca: Buffer;
  private readonly cert: Buffer;
  private readonly key: Buffer;

  constructor(rootPem: string, certChainPem: string, keyPem: string) {
    this.ca = Buffer.from(rootPem);
    this.cert = Buffer.from(certChainPem);
    this.key = Buffer.from(keyPem);
  }

  // Updates are delivered on a later tick: grpc-js registers its watcher only after adding the listener.
  addCaCertificateListener(listener: CaListener): void {
    queueMicrotask(() => listener({ caCertificate: this.ca }));
  }

  removeCaCertificateListener(): void {}

  addIdentityCertificateListener(listener: IdentityListener): void {
    queueMicrotask(() => listener({ certificate: this.cert, privateKey: this.key }));
  }

  removeIdentityCertificateListener(): void {}
}

export interface IstiodGrpcOptions {
  ads: AdsServer;
  ca: CaService;
  /** Plaintext address (15010). */
  grpc: { host: string; port: number };
  /** TLS address (15012); undefined disables it. */
  secureGrpc?: { host: string; port: number };
  /** istiod's serving certificate (SAN istiod.<ns>.svc) chain and key, and the mesh root that verifies client certs. */
  serving: { certChainPem: string; keyPem: string; rootPem: string };
  /** Also serve the CA on the plaintext port (local mode only). */
  caOnPlaintext: boolean;
  logger: Logger;
}

export interface IstiodGrpc {
  grpcPort: number;
  /** 0 when the secure port is disabled. */
  secureGrpcPort: number;
  close(): Promise<void>;
}

function newServer(): Server {
  return new Server({
    'grpc.max_receive_message_length': 4 * 1024 * 1024,
    'grpc.max_send_message_length': -1,
    'grpc.max_concurrent_streams': 100_000,
  });
}

function bind(server: Server, addr: { host: string; port: number }, creds: ServerCredentials): Promise<number> {
  const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
  return new Promise((resolve, reject) => server.bindAsync(`${host}:${addr.port}`, creds, (err, port) => (err ? reject(err) : resolve(port))));
}

function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1000);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts the plaintext and TLS gRPC servers with ADS and the CA service. */
export async function startIstiodGrpc(o: IstiodGrpcOptions): Promise<IstiodGrpc> {
  const plain = newServer();
  o.ads.addTo(plain);
  if (o.caOnPlaintext) o.ca.addTo(plain);
  const servers = [plain];
  const grpcPort = await bind(plain, o.grpc, ServerCredentials.createInsecure());
  let secureGrpcPort = 0;
  if (o.secureGrpc) {
    const secure = newServer();
    o.ads.addTo(secure);
    o.ca.addTo(secure);
    const provider = new StaticCertificateProvider(o.serving.rootPem, o.serving.certChainPem, o.serving.keyPem);
    const creds = experimental.createCertificateProviderServerCredentials(provider, provider, false);
    try {
      secureGrpcPort = await bind(secure, o.secureGrpc, creds);
      servers.push(secure);
    } catch (err) {
      // Not fatal: plaintext xDS keeps working (several istiods on one host, e.g. tests, all default to :15012).
      o.logger.error({ address: `${o.secureGrpc.host}:${o.secureGrpc.port}`, err: (err as Error).message }, 'grpc: secure port (TLS ADS + CA) unavailable');
      secure.forceShutdown();
    }
  }
  o.logger.info({ grpcPort, secureGrpcPort, caOnPlaintext: o.caOnPlaintext }, 'grpc: listening (ADS, CA)');
  return {
    grpcPort,
    secureGrpcPort,
    async close() {
      // open ADS streams never end by themselves; force them after a short grace period
      await Promise.all(servers.map((s) => shutdown(s)));
    },
  };
}
