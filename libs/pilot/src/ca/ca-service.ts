// istio.v1.auth.IstioCertificateService/CreateCertificate: authenticate the caller, then sign the CSR's public key
// into a certificate whose SAN is the caller's verified SPIFFE identity (never what the CSR asks for). The response
// chain is leaf first, root last, one PEM certificate per entry (as upstream's security/pkg/server/ca).
import { status, type Server, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import {
  decodeCertificateRequest,
  encodeCertificateResponse,
  istioCertificateServiceDefinition,
  splitPemCertificates,
  type CertificateAuthority,
} from '@mesh/security';
import type { Logger } from '@mesh/telemetry';
import { authenticate, type Authenticator } from './authenticators.ts';

const hour = 3600 * 1000;

export interface CaServiceOptions {
  ca: CertificateAuthority;
  authenticators: readonly Authenticator[];
  logger: Logger;
  /** Lifetime when the request asks for none (upstream DEFAULT_WORKLOAD_CERT_TTL, 24h). */
  defaultTtlMs?: number;
  /** Longest lifetime granted (upstream MAX_WORKLOAD_CERT_TTL, 90 days). */
  maxTtlMs?: number;
}

/** Counters a caller can read (tests, debug); upstream exports them as citadel_server_* metrics. */
export interface CaServiceStats {
  csrs: number;
  authnErrors: number;
  signErrors: number;
  success: number;
}

type UnaryCall = ServerUnaryCall<Buffer, Buffer>;

export class CaService {
  readonly stats: CaServiceStats = { csrs: 0, authnErrors: 0, signErrors: 0, success: 0 };
  private readonly opts: CaServiceOptions;

  constructor(opts: CaServiceOptions) {
    this.opts = opts;
  }

  /** Registers CreateCertificate on a gRPC server (next to ADS on 15012, and 15010 in local mode). */
  addTo(server: Server): void {
    server.addService(istioCertificateServiceDefinition, {
      CreateCertificate: (call: UnaryCall, callback: sendUnaryData<Buffer>) => {
        this.createCertificate(call).then(
          (res) => callback(null, res),
          (err: { code: number; details: string }) => callback({ code: err.code, details: err.details }),
        );
      },
    });
  }

  private async createCertificate(call: UnaryCall): Promise<Buffer> {
    this.stats.csrs++;
    const peer = call.getPeer();
    const log = this.opts.logger.child({ scope: 'ca', client: peer });
    let identities: string[];
    try {
      const peerCertificate = call.getAuthContext?.().sslPeerCertificate;
      const caller = await authenticate({ metadata: call.metadata, ...(peerCertificate ? { peerCertificate } : {}) }, this.opts.authenticators);
      identities = caller.identities;
    } catch (err) {
      this.stats.authnErrors++;
      log.warn({ reason: (err as Error).message }, 'ca: request authentication failed');
      throw { code: status.UNAUTHENTICATED, details: 'request authenticate failure' };
    }

    let request;
    try {
      request = decodeCertificateRequest(call.request);
    } catch (err) {
      this.stats.signErrors++;
      throw { code: status.INVALID_ARGUMENT, details: (err as Error).message };
    }
    if (request.metadata['ImpersonatedIdentity']) {
      // upstream allows it only for trusted node agents (CA_TRUSTED_NODE_ACCOUNTS), which we do not support
      this.stats.authnErrors++;
      log.warn({ identities, impersonated: request.metadata['ImpersonatedIdentity'] }, 'ca: impersonation not allowed');
      throw { code: status.UNAUTHENTICATED, details: 'request impersonation authentication failure' };
    }

    const maxTtl = this.opts.maxTtlMs ?? 90 * 24 * hour;
    const ttlMs = request.validityDurationSeconds > 0 ? request.validityDurationSeconds * 1000 : (this.opts.defaultTtlMs ?? 24 * hour);
    if (ttlMs > maxTtl) {
      this.stats.signErrors++;
      throw { code: status.INVALID_ARGUMENT, details: `CSR signing error (requested TTL ${ttlMs / 1000}s is greater than the max allowed TTL ${maxTtl / 1000}s)` };
    }
    let leaf: string;
    try {
      leaf = await this.opts.ca.signCsr(request.csr, { uris: identities, ttlMs });
    } catch (err) {
      this.stats.signErrors++;
      log.warn({ identities, err: (err as Error).message }, 'ca: CSR signing failed');
      throw { code: status.INVALID_ARGUMENT, details: `CSR signing error (${(err as Error).message})` };
    }
    this.stats.success++;
    log.info({ identities, ttlSeconds: ttlMs / 1000 }, 'ca: certificate issued');
    return encodeCertificateResponse({ certChain: [...splitPemCertificates(leaf), ...splitPemCertificates(this.opts.ca.chainPem)] });
  }
}
