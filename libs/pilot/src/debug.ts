// istiod's debug endpoints (served on 15014 and 8080): syncz, configz, registryz, adsz, config_dump, push_status, mesh.
import type { FastifyInstance } from 'fastify';
import { TypeUrl, type AdsConnectionStatus, type EnvoyJson } from '@mesh/xds';
import type { GeneratedConfig } from '@mesh/translate';
import type { DiscoveryService } from './discovery.ts';

const shortNames: Record<string, string> = {
  [TypeUrl.Cluster]: 'cluster',
  [TypeUrl.Listener]: 'listener',
  [TypeUrl.RouteConfiguration]: 'route',
  [TypeUrl.ClusterLoadAssignment]: 'endpoint',
  [TypeUrl.TypedExtensionConfig]: 'extensionconfig',
};

/** The `<pod>.<ns>` part of a node id (its third `~` field). */
export function proxyName(nodeId: string): string {
  return nodeId.split('~')[2] ?? nodeId;
}

/** One /debug/syncz row per connected proxy, with the fields istioctl proxy-status reads. */
export function syncz(conns: readonly AdsConnectionStatus[]): EnvoyJson[] {
  return conns.map((c) => {
    const node = (c.node ?? {}) as { metadata?: Record<string, unknown> };
    const row: EnvoyJson = {
      proxy: proxyName(c.nodeId),
      proxy_type: c.nodeId.split('~')[0] ?? '',
      cluster_id: String(node.metadata?.['CLUSTER_ID'] ?? 'Kubernetes'),
      istio_version: String(node.metadata?.['ISTIO_VERSION'] ?? ''),
    };
    const resources: EnvoyJson = {};
    for (const t of c.types) {
      const short = shortNames[t.typeUrl];
      if (short) {
        row[`${short}_sent`] = t.sentNonce ?? '';
        row[`${short}_acked`] = t.ackedNonce ?? '';
      }
      resources[t.typeUrl] = {
        sent: t.sentNonce ?? '',
        acked: t.ackedNonce ?? '',
        sentTime: t.sentAt?.toISOString(),
        ...(t.lastNack ? { lastError: t.lastNack.message } : {}),
      };
    }
    row['resources'] = resources;
    return row;
  });
}

/** An Envoy-shaped ConfigDump of what istiod would send to a proxy. */
export function configDump(config: GeneratedConfig, version: string): EnvoyJson {
  const at = new Date().toISOString();
  const dyn = (list: Iterable<EnvoyJson>, field: string) =>
    [...list].map((r) => ({ version_info: version, [field]: r, last_updated: at }));
  return {
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        version_info: version,
        dynamic_active_clusters: dyn(config.clusters.values(), 'cluster').map((c) => ({ ...c, cluster: { '@type': TypeUrl.Cluster, ...(c['cluster'] as EnvoyJson) } })),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        version_info: version,
        dynamic_listeners: [...config.listeners.values()].map((l) => ({
          name: l['name'],
          active_state: { version_info: version, listener: { '@type': TypeUrl.Listener, ...l }, last_updated: at },
        })),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
        dynamic_route_configs: [...config.routes.values()].map((r) => ({ version_info: version, route_config: { '@type': TypeUrl.RouteConfiguration, ...r }, last_updated: at })),
      },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
        dynamic_endpoint_configs: [...config.endpoints.values()].map((e) => ({ version_info: version, endpoint_config: { '@type': TypeUrl.ClusterLoadAssignment, ...e }, last_updated: at })),
      },
    ],
  };
}

/** Registers the /debug handlers on a fastify instance. */
export function registerDebug(app: FastifyInstance, discovery: DiscoveryService): void {
  const endpoints: Record<string, string> = {
    syncz: 'Synchronization status of all Envoys connected to this Pilot instance',
    configz: 'Debug support for config',
    registryz: "Debug support for registry",
    adsz: 'Status and debug interface for ADS',
    config_dump: 'ConfigDump in the form of the Envoy admin config dump API for passed in proxyID',
    push_status: 'Last PushContext Details',
    mesh: 'Active mesh config',
  };
  app.get('/debug', async (_req, reply) =>
    reply.type('text/html').send(`<html><body><ul>${Object.entries(endpoints).map(([k, v]) => `<li><a href="/debug/${k}">/debug/${k}</a>: ${v}</li>`).join('')}</ul></body></html>`),
  );
  app.get('/debug/list', async () => Object.keys(endpoints).map((k) => `/debug/${k}`));
  app.get<{ Querystring: { namespace?: string } }>('/debug/syncz', async (req) => {
    const rows = syncz(discovery.ads.connections());
    const ns = req.query.namespace;
    return ns ? rows.filter((r) => String(r['proxy']).endsWith(`.${ns}`)) : rows;
  });
  app.get('/debug/configz', async () => discovery.snapshot.config);
  app.get('/debug/registryz', async () => discovery.snapshot.services);
  app.get('/debug/mesh', async () => discovery.snapshot.meshConfig);
  app.get('/debug/push_status', async () => ({ lastPush: discovery.lastPush, rejectedConfigs: discovery.rejected }));
  app.get('/debug/adsz', async () =>
    discovery.ads.connections().map((c) => ({
      connectionId: c.id,
      connectedAt: c.connectedAt.toISOString(),
      address: c.peer,
      mode: c.mode,
      node: c.node,
      watches: Object.fromEntries(c.types.map((t) => [t.typeUrl, t.wildcard ? ['*'] : t.names])),
    })),
  );
  app.get<{ Querystring: { proxyID?: string } }>('/debug/config_dump', async (req, reply) => {
    const id = req.query.proxyID;
    if (!id) return reply.code(400).send({ error: 'You must provide a proxyID in the query string' });
    const config = discovery.configFor(id);
    if (!config) return reply.code(404).send({ error: `Proxy not connected to this Pilot instance: ${id}` });
    return configDump(config, discovery.ads.version());
  });
}
