// The agent's workload secret: a key pair it generates, a certificate from the CA for it, and the trust bundle.
// It is fetched at start, rotated when the grace period (upstream SECRET_GRACE_PERIOD_RATIO) of its lifetime
// begins, retried with backoff on failure (the previous secret stays in use), and every new one is announced.
import { EventEmitter } from 'node:events';
import { certificateValidity, createCsr, spiffeId } from '@mesh/security';
import type { Logger } from '@mesh/telemetry';

/** The material the SDS server hands Envoy as `default` and `ROOTCA`. */
export interface WorkloadSecret {
  /** Leaf first, then intermediates and the root, concatenated PEM (as upstream's SDS sends it). */
  certChainPem: string;
  keyPem: string;
  /** The trust bundle (the last certificate of the CA's chain). */
  rootPem: string;
  notBefore: Date;
  notAfter: Date;
  /** Increases with every new secret. */
  generation: number;
}

export interface SecretCacheOptions {
  /** Signs a CSR; resolves to the chain, leaf first and root last. */
  sign: (csrPem: string, ttlSeconds: number) => Promise<string[]>;
  /** The identity the CSR asks for (the CA decides the real one from the caller's credential). */
  identity: { trustDomain: string; namespace: string; serviceAccount: string };
  /** Requested lifetime (upstream SECRET_TTL, default 24h). */
  ttlSeconds?: number;
  /** Fraction of the lifetime before expiry at which to rotate (upstream default 0.5). */
  graceRatio?: number;
  /** Retry backoff bounds after a failed request. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  logger?: Logger;
}

interface SecretCacheEvents {
  update: [WorkloadSecret];
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export class SecretCache extends EventEmitter<SecretCacheEvents> {
  private readonly opts: SecretCacheOptions;
  private secret: WorkloadSecret | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private generation = 0;
  private failures = 0;

  constructor(opts: SecretCacheOptions) {
    super();
    this.opts = opts;
  }

  /** The current secret, if one was fetched. */
  current(): WorkloadSecret | undefined {
    return this.secret;
  }

  /** Starts fetching (in the background, retrying until it succeeds) and rotating. */
  start(): void {
    void this.refresh();
  }

  /** Resolves with the current secret, or the first one to arrive. */
  ready(): Promise<WorkloadSecret> {
    if (this.secret) return Promise.resolve(this.secret);
    return new Promise((resolve) => this.once('update', resolve));
  }

  /** Fetches a new secret now (used on start, on rotation and by tests). */
  async refresh(): Promise<void> {
    if (this.closed) return;
    this.clearTimer();
    const log = this.opts.logger;
    try {
      const { trustDomain, namespace, serviceAccount } = this.opts.identity;
      const requestedAt = Date.now();
      const { csrPem, keyPem } = await createCsr({ uris: [spiffeId(trustDomain, namespace, serviceAccount)] });
      const chain = await this.opts.sign(csrPem, this.opts.ttlSeconds ?? 24 * 3600);
      if (this.closed) return;
      const validity = certificateValidity(chain[0] ?? '');
      this.secret = {
        certChainPem: chain.map((c) => (c.endsWith('\n') ? c : `${c}\n`)).join(''),
        keyPem,
        rootPem: chain[chain.length - 1] ?? '',
        notBefore: validity.notBefore,
        notAfter: validity.notAfter,
        generation: ++this.generation,
      };
      this.failures = 0;
      const rotateAt = this.rotationTime(this.secret, requestedAt);
      log?.info({ resource: 'default', notAfter: validity.notAfter.toISOString(), rotateAt: new Date(rotateAt).toISOString() }, 'sds: workload certificate issued');
      this.schedule(rotateAt - Date.now());
      this.emit('update', this.secret);
    } catch (err) {
      if (this.closed) return;
      this.failures++;
      const initial = this.opts.retryInitialMs ?? 1000;
      const delay = Math.min(this.opts.retryMaxMs ?? 30_000, initial * 2 ** Math.min(this.failures - 1, 16));
      log?.warn({ err: (err as Error).message, retryInMs: delay, failures: this.failures }, 'sds: certificate request failed');
      this.schedule(delay);
    }
  }

  /**
   * When to rotate: once `graceRatio` of the lifetime remains, with up to 1% jitter to spread load. The lifetime
   * counts from the request, not notBefore: CAs backdate notBefore for clock skew, which would shorten short TTLs.
   */
  private rotationTime(s: WorkloadSecret, requestedAt: number): number {
    const lifetime = s.notAfter.getTime() - Math.max(s.notBefore.getTime(), requestedAt);
    const grace = lifetime * (this.opts.graceRatio ?? 0.5);
    const jitter = Math.random() * lifetime * 0.01;
    return s.notAfter.getTime() - grace - jitter;
  }

  private schedule(ms: number): void {
    this.clearTimer();
    if (this.closed) return;
    const delay = Math.max(0, Math.min(ms, MAX_TIMER_MS));
    // long waits are re-evaluated in MAX_TIMER_MS steps; refresh() recomputes the real time
    this.timer = setTimeout(() => (ms > MAX_TIMER_MS ? this.schedule(ms - MAX_TIMER_MS) : void this.refresh()), delay);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stops rotating. */
  close(): void {
    this.closed = true;
    this.clearTimer();
  }
}
