// The proxyless gRPC templates beyond the one upstream golden: grpc-simple (no golden upstream ships here),
// several app containers, GKE certificates, status port 0, and that the bootstrap script really runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultInjectConfig } from './defaults.ts';
import type { JsonObject } from './go-yaml.ts';
import { injectPod } from './inject-pod.ts';
import { isObj, listAt, objAt, stringMap } from './json-util.ts';

function pod(template: string, annotations: Record<string, string> = {}): JsonObject {
  return {
    metadata: { labels: { app: 'echo', version: 'v2' }, annotations: { 'inject.istio.io/templates': template, ...annotations } },
    spec: {
      containers: [
        { name: 'server', image: 'echo:1', ports: [{ containerPort: 8080, name: 'grpc' }], readinessProbe: { httpGet: { port: 8080, path: '/ready' } } },
        { name: 'client', image: 'client:1' },
      ],
    },
  };
}

function inject(p: JsonObject, tweak?: (v: JsonObject) => void): JsonObject {
  const config = defaultInjectConfig();
  tweak?.(config.values);
  return injectPod({ pod: p, deployMeta: { name: 'echo', namespace: 'apps' }, typeMeta: { apiVersion: 'apps/v1', kind: 'Deployment' } }, config);
}

const byName = (list: JsonObject[], name: string): JsonObject => {
  const found = list.find((c) => c['name'] === name);
  if (!found) throw new Error(`no ${name} in ${list.map((c) => String(c['name'])).join(',')}`);
  return found;
};
const envOf = (c: JsonObject): Record<string, string> =>
  Object.fromEntries(listAt(c, 'env').map((e) => [String(e['name']), String(e['value'] ?? '')]));

describe('grpc-agent template', () => {
  it('runs the agent without Envoy and points every app container at its xDS bootstrap', () => {
    const out = inject(pod('grpc-agent'));
    const spec = objAt(out, 'spec');
    const containers = listAt(spec, 'containers');
    expect(containers.map((c) => c['name'])).toEqual(['server', 'client', 'istio-proxy']);
    expect(spec['initContainers']).toBeUndefined();
    const agent = byName(containers, 'istio-proxy');
    const env = envOf(agent);
    expect(env['ISTIO_META_GENERATOR']).toBe('grpc');
    expect(env['DISABLE_ENVOY']).toBe('true');
    expect(env['ISTIO_META_DNS_CAPTURE']).toBe('false');
    expect(env['ISTIO_META_APP_CONTAINERS']).toBe('server,client');
    expect(env['ISTIO_META_POD_PORTS']).toContain('"containerPort":8080');
    expect(env['ISTIO_META_OWNER']).toBe('kubernetes://apis/apps/v1/namespaces/apps/deployments/echo');
    expect(objAt(agent, 'readinessProbe')['httpGet']).toEqual({ path: '/healthz/ready', port: 15020 });
    for (const name of ['server', 'client']) {
      const app = byName(containers, name);
      expect(envOf(app)['GRPC_XDS_BOOTSTRAP']).toBe('/etc/istio/proxy/grpc-bootstrap.json');
      expect(listAt(app, 'volumeMounts').map((m) => m['name'])).toEqual(['istio-data', 'istio-xds', 'workload-certs']);
    }
    // The app's own probe is kept: the template turns probe rewriting off.
    expect(byName(containers, 'server')['readinessProbe']).toEqual({ httpGet: { port: 8080, path: '/ready' } });
    const annotations = stringMap(objAt(out, 'metadata'), 'annotations');
    expect(annotations['sidecar.istio.io/rewriteAppHTTPProbers']).toBe('false');
    expect(annotations['kubectl.kubernetes.io/default-container']).toBe('server');
    const status = JSON.parse(annotations['sidecar.istio.io/status'] ?? '{}') as JsonObject;
    expect(status['containers']).toEqual(['istio-proxy', 'server', 'client']);
    expect(status['volumes']).toContain('istio-xds');
    const labels = stringMap(objAt(out, 'metadata'), 'labels');
    expect(labels['service.istio.io/canonical-revision']).toBe('v2');
    expect(labels['security.istio.io/tlsMode']).toBeUndefined();
  });

  it('uses GKE workload certificates for the agent and the apps when configured', () => {
    const out = inject(pod('grpc-agent'), (v) => { objAt(v, 'global')['caName'] = 'GkeWorkloadCertificate'; });
    const spec = objAt(out, 'spec');
    const volumes = listAt(spec, 'volumes');
    expect(byName(volumes, 'gke-workload-certificate')['csi']).toEqual({ driver: 'workloadcertificates.security.cloud.google.com' });
    expect(volumes.some((v) => v['name'] === 'workload-certs')).toBe(false);
    for (const c of listAt(spec, 'containers')) {
      expect(listAt(c, 'volumeMounts').some((m) => m['name'] === 'gke-workload-certificate' && m['readOnly'] === true)).toBe(true);
    }
  });

  it('renders no agent probe, resources or mounts when the status port is 0, but keeps user mounts', () => {
    const out = inject(pod('grpc-agent', {
      'status.sidecar.istio.io/port': '0',
      'sidecar.istio.io/userVolumeMount': '{"extra":{"mountPath":"/extra"}}',
      'sidecar.istio.io/userVolume': '{"extra":{"emptyDir":{}}}',
    }));
    const agent = byName(listAt(objAt(out, 'spec'), 'containers'), 'istio-proxy');
    expect(agent['readinessProbe']).toBeUndefined();
    expect(agent['resources']).toBeUndefined();
    expect(agent['volumeMounts']).toEqual([{ name: 'extra', mountPath: '/extra' }]);
    expect(byName(listAt(objAt(out, 'spec'), 'volumes'), 'extra')).toEqual({ name: 'extra', emptyDir: {} });
  });

  it('is idempotent: injecting the injected pod again gives the same pod', () => {
    const once = inject(pod('grpc-agent'));
    const twice = inject(once);
    expect(listAt(objAt(twice, 'spec'), 'containers')).toEqual(listAt(objAt(once, 'spec'), 'containers'));
    expect(listAt(objAt(twice, 'spec'), 'volumes')).toEqual(listAt(objAt(once, 'spec'), 'volumes'));
  });
});

describe('grpc-simple template', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('adds the bootstrap init container and the bootstrap env to every container, and no agent', () => {
    const out = inject(pod('grpc-simple'));
    const spec = objAt(out, 'spec');
    expect(listAt(spec, 'initContainers').map((c) => c['name'])).toEqual(['grpc-bootstrap-init']);
    const containers = listAt(spec, 'containers');
    expect(containers.map((c) => c['name'])).toEqual(['server', 'client']);
    for (const c of containers) {
      expect(envOf(c)).toMatchObject({ GRPC_XDS_BOOTSTRAP: '/var/lib/grpc/data/bootstrap.json', GRPC_GO_LOG_SEVERITY_LEVEL: 'info' });
      expect(listAt(c, 'volumeMounts')).toEqual([{ mountPath: '/var/lib/grpc/data/', name: 'grpc-io-proxyless-bootstrap' }]);
    }
    expect(listAt(spec, 'volumes')).toEqual([{ name: 'grpc-io-proxyless-bootstrap', emptyDir: {} }]);
    expect(byName(containers, 'server')['readinessProbe']).toEqual({ httpGet: { port: 8080, path: '/ready' } });
    const annotations = stringMap(objAt(out, 'metadata'), 'annotations');
    const status = JSON.parse(annotations['sidecar.istio.io/status'] ?? '{}') as JsonObject;
    expect(status['initContainers']).toEqual(['grpc-bootstrap-init']);
    expect(status['volumes']).toEqual(['grpc-io-proxyless-bootstrap']);
    // Metrics-merge annotations are pod-level post-processing, applied whatever the templates (as upstream).
    expect(annotations['prometheus.io/port']).toBe('15020');
  });

  it('writes a gRPC xDS bootstrap that names the pod and istiod when its script runs', () => {
    const out = inject(pod('grpc-simple'));
    const init = byName(listAt(objAt(out, 'spec'), 'initContainers'), 'grpc-bootstrap-init');
    const command = init['command'];
    expect(Array.isArray(command) && command.slice(0, 2)).toEqual(['sh', '-c']);
    const env = envOf(init);
    const dir = mkdtempSync(join(tmpdir(), 'grpc-bootstrap-'));
    dirs.push(dir);
    // Run the real script with the env the kubelet would give it, writing into a temp dir instead of the volume.
    const script = String((command as string[])[2]).replaceAll('/var/lib/grpc/data/', `${dir}/`);
    execFileSync('sh', ['-c', script], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', INSTANCE_IP: '10.1.2.3', POD_NAME: 'echo-0', POD_NAMESPACE: 'apps', ISTIO_NAMESPACE: env['ISTIO_NAMESPACE'] },
      timeout: 5000,
    });
    const bootstrap = JSON.parse(readFileSync(join(dir, 'bootstrap.json'), 'utf8')) as JsonObject;
    const node = objAt(bootstrap, 'node');
    expect(node['id']).toBe('sidecar~10.1.2.3~echo-0.apps~cluster.local');
    expect(node['metadata']).toEqual({ GENERATOR: 'grpc' });
    const server = listAt(bootstrap, 'xds_servers')[0];
    expect(isObj(server)).toBe(true);
    // Upstream writes ISTIO_NAMESPACE as a block scalar (trailing newline), which the shell turns into a space.
    expect(String(server?.['server_uri'])).toMatch(/^dns:\/\/\/istiod\.istio-system\s?\.svc:15010$/);
    expect(server?.['channel_creds']).toEqual([{ type: 'insecure' }]);
  });
});
