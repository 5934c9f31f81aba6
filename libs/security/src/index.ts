// Public surface of @mesh/security: the CA, CSRs, SPIFFE identities, the CA wire protocol and local-mode tokens.
export { CertificateAuthority, createCsr, type IssuedCertificate, type IssueOptions, type PluggedCaPem } from './ca.ts';
export { spiffeId, parseSpiffeId, type SpiffeIdentity } from './spiffe.ts';
export {
  CREATE_CERTIFICATE_PATH,
  decodeCertificateRequest,
  decodeCertificateResponse,
  encodeCertificateRequest,
  encodeCertificateResponse,
  istioCertificateServiceDefinition,
  type CertificateRequest,
  type CertificateResponse,
} from './ca-protocol.ts';
export {
  CA_AUDIENCE,
  LOCAL_ISSUER,
  LocalTokenIssuer,
  localSecurityDir,
  mintLocalToken,
  parseServiceAccountUser,
  type ServiceAccountIdentity,
} from './local-issuer.ts';
export { certificateUris, certificateValidity, splitPemCertificates } from './pem.ts';
export { CA_CERT_FILE, CA_KEY_FILE, loadOrCreateFileCa, loadPluggedCa } from './ca-store.ts';
