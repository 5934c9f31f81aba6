// The ingress gateway as the gateway chart installs it: a router-mode pilot-agent in istio-system labelled
// `istio: ingressgateway`, its Service (80 → 8080), and the gateway port published on a host loopback port.
import type { LocalMesh } from './local-mesh.ts';
import type { Pod } from './pod.ts';

/** Gateway pod labels, as the `gateway` chart and upstream's `istio-ingressgateway` use. */
export const ingressLabels = { app: 'istio-ingressgateway', istio: 'ingressgateway' };

/** Starts the ingress gateway and publishes its 8080 on hostPort (0 = any free port); returns the host port. */
export async function startIngressGateway(mesh: LocalMesh, hostPort = 0): Promise<{ pod: Pod; port: number }> {
  mesh.addService(
    { name: 'istio-ingressgateway', namespace: 'istio-system', ports: [{ name: 'status-port', port: 15021 }, { name: 'http2', port: 80, targetPort: 8080 }, { name: 'https', port: 443, targetPort: 8443 }] },
    ingressLabels,
    ingressLabels,
  );
  const pod = await mesh.startPod({
    name: 'istio-ingressgateway-0',
    namespace: 'istio-system',
    labels: ingressLabels,
    serviceAccount: 'istio-ingressgateway',
    workloadName: 'istio-ingressgateway',
    containerPorts: [8080, 8443, 15021],
    proxy: 'router',
  });
  const port = await mesh.publish(pod.spec.name, 8080, hostPort);
  return { pod, port };
}
