// A small X.509 certificate authority (istiod's self-signed root, "istio-ca-secret" style): issues workload
// certificates from CSRs and serving certificates for istiod's own TLS ports. ECDSA P-256 keys, SHA-256.
import 'reflect-metadata'; // the x509 library's dependency injection (tsyringe) needs Reflect metadata
import { X509Certificate as NodeCertificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { splitPemCertificates } from './pem.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 24 * 3600 * 1000;

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** The issuing chain (signing certificate, intermediates) up to and including the root, PEM. */
  chainPem: string;
}

export interface IssueOptions {
  dnsNames?: string[];
  uris?: string[];
  ips?: string[];
  commonName?: string;
  ttlMs?: number;
  /** Key usage for a server and client certificate (default) or a CA. */
  isCa?: boolean;
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string, label: string): ArrayBuffer | undefined {
  const m = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!m) return undefined;
  const buf = Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

function leafExtensions(opts: IssueOptions): x509.Extension[] {
  const names: x509.JsonGeneralName[] = [
    ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(opts.uris ?? []).map((value) => ({ type: 'url' as const, value })),
    ...(opts.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const exts: x509.Extension[] = opts.isCa
    ? [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      ]
    : [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      ];
  // Istio marks the SAN critical when the subject is empty (workload certificates).
  if (names.length > 0) exts.push(new x509.SubjectAlternativeNameExtension(names, !opts.commonName));
  return exts;
}

/** Files of a plugged-in CA (upstream's `cacerts` Secret keys), as PEM text. */
export interface PluggedCaPem {
  /** ca-cert.pem: the signing certificate (the root itself, or an intermediate). */
  certPem: string;
  /** ca-key.pem: its PKCS#8 private key. */
  keyPem: string;
  /** root-cert.pem: the mesh trust anchor. */
  rootPem: string;
  /** cert-chain.pem: the signing certificate's chain up to the root (may repeat ca-cert and the root). */
  certChainPem?: string;
}

export class CertificateAuthority {
  /** The trust anchor workloads verify peers with (ROOTCA, istio-ca-root-cert). */
  readonly rootPem: string;
  /** The signing certificate (ca-cert.pem); the same as `rootPem` for a self-signed root. */
  readonly certPem: string;
  /** What follows a certificate this CA issues: the signing certificate, any intermediates, then the root. */
  readonly chainPem: string;
  private readonly cert: x509.X509Certificate;
  private readonly keys: webcrypto.CryptoKeyPair;

  private constructor(cert: x509.X509Certificate, keys: webcrypto.CryptoKeyPair, issuers?: { intermediates: string[]; rootPem: string }) {
    this.cert = cert;
    this.keys = keys;
    this.certPem = cert.toString('pem') + '\n';
    this.rootPem = issuers?.rootPem ?? this.certPem;
    this.chainPem = issuers ? [this.certPem, ...issuers.intermediates, this.rootPem].join('') : this.certPem;
  }

  /**
   * A plugged-in CA (an intermediate or a root of the operator's PKI, upstream's `cacerts`): the key must match the
   * certificate, and each certificate of the chain must be signed by the next one, ending at the root.
   */
  static async fromPlugged(p: PluggedCaPem): Promise<CertificateAuthority> {
    const own = await CertificateAuthority.fromPem(p.certPem, p.keyPem);
    const [root] = splitPemCertificates(p.rootPem);
    if (!root) throw new Error('root-cert.pem: no certificate');
    const fingerprint = (pem: string) => new NodeCertificate(pem).fingerprint256;
    const skip = new Set([fingerprint(own.certPem), fingerprint(root)]);
    const intermediates = splitPemCertificates(p.certChainPem ?? '').filter((pem) => !skip.has(fingerprint(pem)));
    const path = [own.certPem, ...intermediates, root];
    for (let i = 0; i + 1 < path.length; i++) {
      const child = new NodeCertificate(path[i]!);
      const parent = new NodeCertificate(path[i + 1]!);
      if (child.fingerprint256 === parent.fingerprint256) continue;
      if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
        throw new Error(`certificate chain: "${child.subject.replace(/\n/g, ', ')}" is not signed by "${parent.subject.replace(/\n/g, ', ')}"`);
      }
    }
    if (!new NodeCertificate(root).ca) throw new Error('root-cert.pem is not a CA certificate');
    return new CertificateAuthority(own.cert, own.keys, { intermediates, rootPem: root });
  }

  /** A new self-signed root (O=<org>, valid 10 years by default). */
  static async create(opts: { org?: string; ttlMs?: number } = {}): Promise<CertificateAuthority> {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `O=${opts.org ?? 'cluster.local'}`,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + (opts.ttlMs ?? 3650 * day)),
      signingAlgorithm: alg,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(cert, keys);
  }

  /** The CA from its PEM certificate and PKCS#8 PEM private key (a persisted root); throws if they do not match. */
  static async fromPem(certPem: string, keyPem: string): Promise<CertificateAuthority> {
    const cert = new x509.X509Certificate(certPem);
    const der = pemBody(keyPem, 'PRIVATE KEY');
    if (!der) throw new Error('CA key: no PKCS#8 "PRIVATE KEY" PEM block');
    const privateKey = await webcrypto.subtle.importKey('pkcs8', der, alg, true, ['sign']);
    const publicKey = await cert.publicKey.export(alg, ['verify']);
    const keys = { privateKey, publicKey } as webcrypto.CryptoKeyPair;
    // Sign and verify a probe so a key that belongs to another certificate is refused here, not at the first CSR.
    const probe = new TextEncoder().encode('istio-ca-key-check');
    const signature = await webcrypto.subtle.sign(alg, privateKey, probe);
    if (!(await webcrypto.subtle.verify(alg, publicKey, signature, probe))) throw new Error('CA key does not match the CA certificate');
    const constraints = cert.getExtension(x509.BasicConstraintsExtension);
    if (!constraints?.ca) throw new Error('CA certificate is not a CA (basicConstraints CA:TRUE missing)');
    return new CertificateAuthority(cert, keys);
  }

  /** The CA's private key as PKCS#8 PEM, to persist it next to `rootPem`. */
  async keyPem(): Promise<string> {
    return pemKey(await webcrypto.subtle.exportKey('pkcs8', this.keys.privateKey));
  }

  /** Issues a certificate with a freshly generated key (for istiod's own serving certificates and tests). */
  async issue(opts: IssueOptions): Promise<IssuedCertificate> {
    const keys = await generateKeys();
    const cert = await this.sign(keys.publicKey, opts);
    const keyDer = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return { certPem: cert, keyPem: pemKey(keyDer), chainPem: this.chainPem };
  }

  /** Signs a PEM PKCS#10 CSR. The identities in the certificate are `opts`' (the caller's verified ones), not the CSR's. */
  async signCsr(csrPem: string, opts: IssueOptions): Promise<string> {
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    if (!(await csr.verify())) throw new Error('CSR signature does not verify');
    return this.sign(await csr.publicKey.export(alg, ['verify']), opts);
  }

  private async sign(publicKey: webcrypto.CryptoKey, opts: IssueOptions): Promise<string> {
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: opts.commonName ? `CN=${opts.commonName}` : '',
      issuer: this.cert.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + (opts.ttlMs ?? day)),
      signingAlgorithm: alg,
      publicKey,
      signingKey: this.keys.privateKey,
      extensions: [...leafExtensions(opts), await x509.AuthorityKeyIdentifierExtension.create(this.keys.publicKey)],
    });
    return cert.toString('pem') + '\n';
  }
}

/** A PEM CSR and its private key, as pilot-agent sends to the CA. */
export async function createCsr(opts: { uris?: string[]; dnsNames?: string[] }): Promise<{ csrPem: string; keyPem: string }> {
  const keys = await generateKeys();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: '',
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.SubjectAlternativeNameExtension([
        ...(opts.uris ?? []).map((value) => ({ type: 'url' as const, value })),
        ...(opts.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ]),
    ],
  });
  return { csrPem: csr.toString('pem') + '\n', keyPem: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

function randomSerial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = (b[0] ?? 0) & 0x7f; // positive
  return Buffer.from(b).toString('hex');
}
