// The `grpc-simple` injection template (upstream files/grpc-simple.yaml) as a function: proxyless gRPC with no
// agent at all. An init container writes a gRPC xDS bootstrap that points the app straight at istiod's
// plaintext port, and every container reads it through GRPC_XDS_BOOTSTRAP. Field order follows upstream.
import type { JsonObject } from './go-yaml.ts';
import { goString, isObj } from './json-util.ts';
import { value, type RenderedPod, type TemplateData } from './template-data.ts';

const fieldRef = (name: string, path: string): JsonObject => ({ name, valueFrom: { fieldRef: { fieldPath: path } } });

const bootstrapVolume = 'grpc-io-proxyless-bootstrap';
const bootstrapDir = '/var/lib/grpc/data/';

// The shell script is upstream's, verbatim in behaviour: node id and istiod address from the pod's env.
const writeBootstrapScript = [
  'NODE_ID="sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~cluster.local"',
  'SERVER_URI="dns:///istiod.${ISTIO_NAMESPACE}.svc:15010"',
  "echo '",
  '{',
  '  "xds_servers": [',
  '    {',
  '      "server_uri": "\'${SERVER_URI}\'",',
  '      "channel_creds": [{"type": "insecure"}],',
  '      "server_features" : ["xds_v3"]',
  '    }',
  '  ],',
  '  "node": {',
  '    "id": "\'${NODE_ID}\'",',
  '    "metadata": {',
  '      "GENERATOR": "grpc"',
  '    }',
  '  }',
  `}' > ${bootstrapDir}bootstrap.json`,
].join('\n');

/** Renders the `grpc-simple` template. */
export function renderGrpcSimple(d: TemplateData): RenderedPod {
  const init: JsonObject = {
    name: 'grpc-bootstrap-init',
    image: 'busybox:1.28',
    volumeMounts: [{ mountPath: bootstrapDir, name: bootstrapVolume }],
    env: [
      fieldRef('INSTANCE_IP', 'status.podIP'),
      fieldRef('POD_NAME', 'metadata.name'),
      fieldRef('POD_NAMESPACE', 'metadata.namespace'),
      // The template writes this as a YAML block scalar, so the value keeps its trailing newline.
      { name: 'ISTIO_NAMESPACE', value: `${goString(value(d, 'global.istioNamespace'))}\n` },
    ],
    command: ['sh', '-c', writeBootstrapScript],
  };
  // Unlike grpc-agent, upstream ranges over every container here, istio-proxy included.
  const cs = d.spec['containers'];
  const names = Array.isArray(cs) ? cs.filter(isObj).map((c) => goString(c['name'])) : [];
  const containers: JsonObject[] = names.map((name) => ({
    name,
    env: [
      { name: 'GRPC_XDS_BOOTSTRAP', value: `${bootstrapDir}bootstrap.json` },
      { name: 'GRPC_GO_LOG_VERBOSITY_LEVEL', value: '99' },
      { name: 'GRPC_GO_LOG_SEVERITY_LEVEL', value: 'info' },
    ],
    volumeMounts: [{ mountPath: bootstrapDir, name: bootstrapVolume }],
  }));
  const spec: JsonObject = { initContainers: [init] };
  if (containers.length > 0) spec['containers'] = containers;
  spec['volumes'] = [{ name: bootstrapVolume, emptyDir: {} }];
  return {
    metadata: { labels: {}, annotations: { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' } },
    spec,
  };
}
