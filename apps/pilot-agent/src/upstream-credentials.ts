import { existsSync, readFileSync } from 'node:fs';
import { credentials, Metadata, type ChannelCredentials } from '@grpc/grpc-js';
import { splitHostPort } from '@mesh/agent';

/** How the agent talks to istiod: plaintext on 15010, else TLS (+ bearer token) as upstream. */
export interface UpstreamAuth {
  credentials: ChannelCredentials;
  metadata?: () => Metadata;
  /** gRPC channel options, e.g. the TLS server name to verify. */
  channelOptions?: Record<string, string | number>;
  description: string;
}

/**
 * Plaintext when the discovery port is 15010 or controlPlaneAuthPolicy is NONE; otherwise TLS with
 * the mesh root cert (XDS_ROOT_CA or ./var/run/secrets/istio/root-cert.pem) and the projected token.
 */
export function upstreamAuth(discoveryAddress: string, authPolicy: string | undefined, root: string, env: NodeJS.ProcessEnv): UpstreamAuth {
  const { host, port } = splitHostPort(discoveryAddress, 'discoveryAddress');
  if (port === 15010 || authPolicy === 'NONE') {
    return { credentials: credentials.createInsecure(), description: 'plaintext' };
  }
  const rootCertPath = env['XDS_ROOT_CA'] || `${root}/var/run/secrets/istio/root-cert.pem`;
  const rootCert = existsSync(rootCertPath) ? readFileSync(rootCertPath) : null;
  const serverName = env['ISTIOD_SAN'] || (host === 'localhost' ? 'istiod.istio-system.svc' : host);
  const tls = credentials.createSsl(rootCert);
  const tokenPath = env['JWT_PATH'] || `${root}/var/run/secrets/tokens/istio-token`;
  return {
    credentials: tls,
    description: `tls (server name ${serverName})`,
    channelOptions: { 'grpc.ssl_target_name_override': serverName, 'grpc.default_authority': serverName },
    metadata: () => {
      const md = new Metadata();
      if (existsSync(tokenPath)) md.set('authorization', `Bearer ${readFileSync(tokenPath, 'utf8').trim()}`);
      return md;
    },
  };
}
