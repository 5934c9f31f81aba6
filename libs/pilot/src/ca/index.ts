// istiod's CA: IstioCertificateService, its authenticators and the gRPC listeners (15010/15012) that host it with ADS.
export { CaService, type CaServiceOptions, type CaServiceStats } from './ca-service.ts';
export {
  authenticate,
  bearerToken,
  ClientCertAuthenticator,
  KubeJwtAuthenticator,
  LocalJwtAuthenticator,
  type Authenticator,
  type CallCredentials,
  type Caller,
  type TokenReviewResult,
} from './authenticators.ts';
export { kubeTokenReviewer } from './token-review.ts';
export { startIstiodGrpc, type IstiodGrpc, type IstiodGrpcOptions } from './grpc-servers.ts';
export { setupCaAuthentication, type CaAuthentication, type CaAuthenticationOptions } from './ca-authentication.ts';
