// A TokenReview against the Kubernetes API, as upstream's kube JWT authenticator does (audience istio-ca).
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { TokenReviewResult } from './authenticators.ts';

/** Returns a reviewer bound to a cluster: token → authenticated service-account user and audiences. */
export function kubeTokenReviewer(config: KubeConfig): (token: string, audiences: string[]) => Promise<TokenReviewResult> {
  const api = config.makeApiClient(AuthenticationV1Api);
  return async (token, audiences) => {
    const review = await api.createTokenReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences } } });
    const status = review.status ?? {};
    return {
      authenticated: status.authenticated === true,
      ...(status.user?.username ? { username: status.user.username } : {}),
      ...(status.audiences ? { audiences: status.audiences } : {}),
      ...(status.error ? { error: status.error } : {}),
    };
  };
}
