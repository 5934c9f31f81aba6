// TLS settings: server side (Gateway servers, Sidecar ingress) and client side (DestinationRule).
import type { Report } from './issues.ts';
import { child } from './issues.ts';
import type { Obj } from './values.ts';
import { arr, bool, len, obj, str, strList, wrapped } from './values.ts';

const CIPHERS = new Set([
  'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA', 'AES256-SHA',
]);

function isValidCipher(raw: string): boolean {
  // A leading '-' removes a suite from the default list.
  const cs = raw.startsWith('-') ? raw.slice(1) : raw;
  if (cs.startsWith('[') && cs.endsWith(']')) return cs.slice(1, -1).split('|').every((c) => CIPHERS.has(c));
  return CIPHERS.has(cs);
}

function checkCiphers(r: Report, path: string, tls: Obj): void {
  const minVersion = str(tls['minProtocolVersion']);
  const suites = strList(tls['cipherSuites']);
  if ((minVersion === 'TLSV1_0' || minVersion === 'TLSV1_1') && suites.length === 0) {
    r.warn(path, 'TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.');
  }
  const invalid = new Set<string>();
  const valid = new Set<string>();
  const dup = new Set<string>();
  for (const cs of suites) {
    if (!isValidCipher(cs)) invalid.add(cs);
    else if (valid.has(cs)) dup.add(cs);
    else valid.add(cs);
  }
  if (invalid.size > 0) r.warn(child(path, 'cipherSuites'), `ignoring invalid cipher suites: [${[...invalid].sort().join(' ')}]`);
  if (dup.size > 0) r.warn(child(path, 'cipherSuites'), `ignoring duplicate cipher suites: [${[...dup].sort().join(' ')}]`);
}

/** Validates ServerTLSSettings (Gateway servers and Sidecar ingress listeners). */
export function validateServerTLS(r: Report, path: string, value: unknown): void {
  const tls = obj(value);
  if (!tls) return;
  checkCiphers(r, path, tls);
  const mode = str(tls['mode']) || 'PASSTHROUGH';
  const serverCert = str(tls['serverCertificate']);
  const privateKey = str(tls['privateKey']);
  const ca = str(tls['caCertificates']);
  const crl = str(tls['caCrl']);
  const credentialName = str(tls['credentialName']);
  const credentialNames = strList(tls['credentialNames']);
  const tlsCerts = arr(tls['tlsCertificates']) ?? [];
  const hasCredential = credentialName !== '' || credentialNames.length > 0;

  if (mode === 'ISTIO_MUTUAL') {
    if (serverCert) r.error(child(path, 'serverCertificate'), 'ISTIO_MUTUAL TLS cannot have associated server certificate');
    if (privateKey) r.error(child(path, 'privateKey'), 'ISTIO_MUTUAL TLS cannot have associated private key');
    if (ca) r.error(child(path, 'caCertificates'), 'ISTIO_MUTUAL TLS cannot have associated CA bundle');
    if (credentialName) r.error(child(path, 'credentialName'), 'ISTIO_MUTUAL TLS cannot have associated credentialName');
    if (credentialNames.length > 0) r.error(child(path, 'credentialNames'), 'ISTIO_MUTUAL TLS cannot have associated credentialNames');
    if (tlsCerts.length > 0) r.error(child(path, 'tlsCertificates'), 'ISTIO_MUTUAL TLS cannot have associated tlsCertificates');
    return;
  }
  if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
    if (crl || serverCert || privateKey || ca || hasCredential || tlsCerts.length > 0) {
      r.warn(path, `${mode} mode does not use certificates, they will be ignored`);
    }
  }
  // An inline certificate counts as a source only when it is complete (certificate and key).
  const sources = [credentialName !== '', credentialNames.length > 0, serverCert !== '' && privateKey !== '', tlsCerts.length > 0]
    .filter(Boolean).length;
  if (sources > 1) {
    r.error(path, 'only one of credentialName, credentialNames, serverCertificate/privateKey or tlsCertificates can be set');
  }
  const terminating = mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL';
  // With a credential the certificates (and any CRL) come from the secret.
  if (terminating && hasCredential) return;
  if (crl) {
    if (hasCredential) r.error(child(path, 'caCrl'), 'CRL is not supported with credentialName. CRL has to be specified in the credential');
    if (mode === 'SIMPLE') r.error(child(path, 'caCrl'), 'CRL is not supported with SIMPLE TLS');
  }
  if (!terminating) return;
  const label = mode === 'SIMPLE' ? 'SIMPLE' : 'MUTUAL';
  if (tlsCerts.length > 0) {
    if (tlsCerts.length > 2) r.warn(child(path, 'tlsCertificates'), `${label} TLS can support up to 2 server certificates`);
    tlsCerts.forEach((c, i) => {
      const cert = obj(c) ?? {};
      const p = child(child(path, 'tlsCertificates'), i);
      if (!str(cert['serverCertificate'])) r.error(p, `${label} TLS requires a server certificate`);
      if (!str(cert['privateKey'])) r.error(p, `${label} TLS requires a private key`);
    });
  } else {
    if (!serverCert) r.error(child(path, 'serverCertificate'), `${label} TLS requires a server certificate`);
    if (!privateKey) r.error(child(path, 'privateKey'), `${label} TLS requires a private key`);
  }
  if (label === 'MUTUAL' && !ca) r.error(child(path, 'caCertificates'), 'MUTUAL TLS requires a client CA bundle');
}

/** Validates ClientTLSSettings (DestinationRule traffic policies); `namespace` is the rule's namespace. */
export function validateClientTLS(r: Report, path: string, value: unknown, namespace: string): void {
  const tls = obj(value);
  if (!tls) return;
  const mode = str(tls['mode']) || 'DISABLE';
  const credentialName = str(tls['credentialName']);
  const ca = str(tls['caCertificates']);
  const sans = tls['subjectAltNames'];
  if (credentialName.startsWith('configmap://')) {
    const rest = credentialName.slice('configmap://'.length);
    const parts = rest.split('/');
    const ns = parts.length === 2 ? (parts[0] ?? '') : namespace;
    const name = parts.length === 2 ? (parts[1] ?? '') : rest;
    if (name === '' || parts.length > 2) {
      r.error(child(path, 'credentialName'), `invalid configmap:// credentialName: invalid resource name "${credentialName}"`);
    } else if (ns !== namespace || namespace === '') {
      r.error(child(path, 'credentialName'), `invalid configmap:// credentialName: namespace must match the configuration namespace "${namespace}"`);
    }
  }
  if (bool(wrapped(tls['insecureSkipVerify']))) {
    if (mode === 'SIMPLE' && (ca || credentialName || len(sans) > 0)) {
      r.error(path, 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true');
    }
    if (mode === 'MUTUAL' && (ca || len(sans) > 0)) {
      r.error(path, 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true');
    }
  }
  if ((mode === 'SIMPLE' || mode === 'MUTUAL') && credentialName) {
    if (str(tls['clientCertificate']) || ca || str(tls['privateKey']) || str(tls['caCrl'])) {
      r.error(path, 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set');
    }
    return;
  }
  if (mode === 'MUTUAL') {
    if (!str(tls['clientCertificate'])) r.error(child(path, 'clientCertificate'), 'client certificate required for mutual tls');
    if (!str(tls['privateKey'])) r.error(child(path, 'privateKey'), 'private key required for mutual tls');
  }
}
