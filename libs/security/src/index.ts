// Public surface of @mesh/security: the CA, CSRs and SPIFFE identities.
export { CertificateAuthority, createCsr, type IssuedCertificate, type IssueOptions } from './ca.ts';
export { spiffeId, parseSpiffeId, type SpiffeIdentity } from './spiffe.ts';
