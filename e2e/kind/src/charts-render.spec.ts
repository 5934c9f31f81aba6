// `helm lint` and `helm template` of every chart in every profile (renders golden-tested in testdata/), plus the
// properties the renders must have: istiod's ports, webhook selectors, the out-of-cluster URL values, the image
// tag, profile precedence, and a gateway pod that our injector turns into a router-mode proxy.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInjectConfig, kubeInject } from '@mesh/inject';
import { parseYamlValue } from '@mesh/api';
import { golden, hasTestenvBins } from '@mesh/testing';
import { chartDir, charts, parseDocuments, profiles, releaseVersion, renderChart, runTool, type Json } from './chart-tools.ts';

const testdata = join(import.meta.dirname, '..', 'testdata');
const haveHelm = hasTestenvBins('helm');

const byKind = (docs: Json[], kind: string): Json[] => docs.filter((d) => d['kind'] === kind);
const named = (docs: Json[], kind: string, name: string): Json | undefined =>
  byKind(docs, kind).find((d) => (d['metadata'] as Json)['name'] === name);
const at = (v: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((o, k) => (o === null || o === undefined ? undefined : (o as Record<string | number, unknown>)[k]), v);

describe.skipIf(!haveHelm)('helm lint', () => {
  for (const chart of charts) {
    for (const profile of profiles) {
      it(`${chart} (${profile}) lints clean`, async () => {
        const r = await runTool('helm', ['lint', chartDir(chart), '--set', `profile=${profile}`]);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.stdout).toContain('0 chart(s) failed');
        expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
      });
    }
  }
});

describe.skipIf(!haveHelm)('helm template goldens', () => {
  for (const chart of charts) {
    for (const profile of profiles) {
      it(`${chart} (${profile})`, async () => {
        const { expected, actual } = golden(join(testdata, `${chart}.${profile}.yaml`), await renderChart(chart, { profile }));
        expect(actual).toBe(expected);
      });
    }
  }
});

describe.skipIf(!haveHelm)('base chart', () => {
  it('renders every CRD and the default validator, minus excluded CRDs', async () => {
    const all = parseDocuments(await renderChart('base'));
    expect(byKind(all, 'CustomResourceDefinition').length).toBe(15);
    expect(at(named(all, 'ValidatingWebhookConfiguration', 'istiod-default-validator'), 'webhooks', 0, 'objectSelector')).toEqual({
      matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }],
    });
    const some = parseDocuments(await renderChart('base', { set: ['base.excludedCRDs={envoyfilters.networking.istio.io}'] }));
    expect(byKind(some, 'CustomResourceDefinition').length).toBe(14);
    expect(named(some, 'CustomResourceDefinition', 'envoyfilters.networking.istio.io')).toBeUndefined();
  });

  it('renders only namespaced or only cluster-scoped resources for global.resourceScope', async () => {
    const namespaced = parseDocuments(await renderChart('base', { set: ['global.resourceScope=namespace'] }));
    expect(namespaced.map((d) => d['kind'])).toEqual(['ServiceAccount']);
    const cluster = parseDocuments(await renderChart('base', { set: ['global.resourceScope=cluster'] }));
    expect(cluster.map((d) => d['kind'])).not.toContain('ServiceAccount');
    expect(cluster.map((d) => d['kind'])).toContain('CustomResourceDefinition');
  });
});

describe.skipIf(!haveHelm)('istiod chart', () => {
  it('serves xDS, xDS over TLS, the webhooks on 443→15017 and monitoring', async () => {
    const docs = parseDocuments(await renderChart('istiod'));
    const ports = (at(named(docs, 'Service', 'istiod'), 'spec', 'ports') as Json[]).map((p) => [p['name'], p['port'], p['targetPort'] ?? p['port']]);
    expect(ports).toEqual([['grpc-xds', 15010, 15010], ['https-dns', 15012, 15012], ['https-webhook', 443, 15017], ['http-monitoring', 15014, 15014]]);
  });

  it('defaults its images to the release tag', async () => {
    const docs = parseDocuments(await renderChart('istiod'));
    const image = at(named(docs, 'Deployment', 'istiod'), 'spec', 'template', 'spec', 'containers', 0, 'image');
    expect(image).toBe(`ghcr.io/mesh-ts/pilot:${releaseVersion()}`);
  });

  it('selects pods for injection the way upstream does (istio-injection, istio.io/rev, sidecar.istio.io/inject)', async () => {
    const docs = parseDocuments(await renderChart('istiod'));
    const webhooks = at(named(docs, 'MutatingWebhookConfiguration', 'istio-sidecar-injector'), 'webhooks') as Json[];
    const byName = new Map(webhooks.map((w) => [w['name'], w]));
    expect([...byName.keys()]).toEqual([
      'rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io',
      'namespace.sidecar-injector.istio.io', 'object.sidecar-injector.istio.io',
    ]);
    expect(at(byName.get('namespace.sidecar-injector.istio.io'), 'namespaceSelector', 'matchExpressions')).toEqual([
      { key: 'istio-injection', operator: 'In', values: ['enabled'] },
    ]);
    expect(at(byName.get('rev.namespace.sidecar-injector.istio.io'), 'namespaceSelector', 'matchExpressions', 0)).toEqual(
      { key: 'istio.io/rev', operator: 'In', values: ['default'] },
    );
    for (const w of webhooks) {
      expect(at(w, 'clientConfig', 'service')).toEqual({ name: 'istiod', namespace: 'istio-system', path: '/inject', port: 443 });
      expect(w['failurePolicy']).toBe('Fail');
    }
  });

  it('points every webhook at an out-of-cluster istiod when its URLs are set', async () => {
    const set = ['istiodRemote.injectionURL=https://10.0.0.1:15017/inject', 'base.validationURL=https://10.0.0.1:15017/validate'];
    const docs = [...parseDocuments(await renderChart('istiod', { set })), ...parseDocuments(await renderChart('base', { set }))];
    const hooks = [...byKind(docs, 'MutatingWebhookConfiguration'), ...byKind(docs, 'ValidatingWebhookConfiguration')]
      .flatMap((c) => c['webhooks'] as Json[]);
    expect(hooks.length).toBe(6);
    for (const w of hooks) {
      expect(at(w, 'clientConfig', 'service')).toBeUndefined();
      expect(at(w, 'clientConfig', 'url')).toMatch(/^https:\/\/10\.0\.0\.1:15017\/(inject|validate)$/);
    }
    const remote = parseDocuments(await renderChart('istiod', { set: [...set, 'istiodRemote.enabled=true'] }));
    expect(byKind(remote, 'Deployment')).toEqual([]);
    expect(byKind(remote, 'Service')).toEqual([]);
  });

  it('profiles: default has HPA and PDB, minimal neither, and user values win over the profile', async () => {
    const kinds = async (opts: Parameters<typeof renderChart>[1]) =>
      parseDocuments(await renderChart('istiod', opts)).map((d) => d['kind']);
    expect(await kinds({ profile: 'default' })).toEqual(expect.arrayContaining(['HorizontalPodAutoscaler', 'PodDisruptionBudget']));
    const minimal = await kinds({ profile: 'minimal' });
    expect(minimal).not.toContain('HorizontalPodAutoscaler');
    expect(minimal).not.toContain('PodDisruptionBudget');
    expect(await kinds({ profile: 'minimal', set: ['autoscaleEnabled=true'] })).toContain('HorizontalPodAutoscaler');
    expect(await kinds({ profile: 'default', set: ['autoscaleEnabled=false'] })).not.toContain('HorizontalPodAutoscaler');
  });

  it('refuses an unknown profile with a clear message', async () => {
    const bad = await runTool('helm', ['template', 'istiod', chartDir('istiod'), '--set', 'profile=huge']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('profile "huge" is unknown');
  });

  it('passes custom injection templates to istiod through the injector ConfigMap', async () => {
    const docs = parseDocuments(await renderChart('istiod', { set: ['sidecarInjectorWebhook.templates.hello=metadata: null'] }));
    const values = JSON.parse(String(at(named(docs, 'ConfigMap', 'istio-sidecar-injector'), 'data', 'values'))) as Json;
    expect(at(values, 'sidecarInjectorWebhook', 'templates', 'hello')).toBe('metadata: null');
  });

  it('writes a mesh config and injector config that istiod parses', async () => {
    const docs = parseDocuments(await renderChart('istiod', { profile: 'demo' }));
    const mesh = parseYamlValue(String(at(named(docs, 'ConfigMap', 'istio'), 'data', 'mesh'))) as Json;
    expect(at(mesh, 'defaultConfig', 'discoveryAddress')).toBe('istiod.istio-system.svc:15012');
    expect(mesh['accessLogFile']).toBe('/dev/stdout');
    expect(mesh['enablePrometheusMerge']).toBe(true);
    const injector = named(docs, 'ConfigMap', 'istio-sidecar-injector') as Json;
    const values = JSON.parse(String(at(injector, 'data', 'values'))) as Json;
    expect(at(values, 'global', 'proxy', 'image')).toBe('proxyv2');
    expect(parseYamlValue(String(at(injector, 'data', 'config')))).toMatchObject({ policy: 'enabled', defaultTemplates: ['sidecar'] });
  });
});

describe.skipIf(!haveHelm)('gateway chart', () => {
  it('exposes 80, 443 and 15021 on a LoadBalancer Service selecting istio: ingressgateway', async () => {
    const docs = parseDocuments(await renderChart('gateway'));
    const svc = named(docs, 'Service', 'istio-ingressgateway');
    expect(at(svc, 'spec', 'type')).toBe('LoadBalancer');
    expect((at(svc, 'spec', 'ports') as Json[]).map((p) => p['port'])).toEqual([15021, 80, 443]);
    expect(at(svc, 'spec', 'selector')).toEqual({ app: 'istio-ingressgateway', istio: 'ingressgateway' });
  });

  it('is injected with the gateway template using the istiod chart\'s ConfigMaps', async () => {
    const istiod = parseDocuments(await renderChart('istiod'));
    const config = loadInjectConfig({
      values: JSON.stringify(named(istiod, 'ConfigMap', 'istio-sidecar-injector')),
      injectConfig: JSON.stringify(named(istiod, 'ConfigMap', 'istio-sidecar-injector')),
      meshConfig: JSON.stringify(named(istiod, 'ConfigMap', 'istio')),
    });
    const deployment = named(parseDocuments(await renderChart('gateway')), 'Deployment', 'istio-ingressgateway');
    const injected = parseDocuments(kubeInject(JSON.stringify(deployment), config).output)[0];
    const pod = at(injected, 'spec', 'template', 'spec') as Json;
    expect(pod['initContainers']).toBeUndefined();
    const containers = pod['containers'] as Json[];
    expect(containers.map((c) => c['name'])).toEqual(['istio-proxy']);
    expect(containers[0]?.['image']).toBe(`ghcr.io/mesh-ts/proxyv2:${releaseVersion()}`);
    expect((containers[0]?.['args'] as string[]).slice(0, 2)).toEqual(['proxy', 'router']);
  });
});
