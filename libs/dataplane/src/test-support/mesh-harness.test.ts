// Test support (not a test file): an ADS server in the test driving an XdsClient that feeds a DataplaneRuntime,
// loopback echo upstreams, and builders for the Envoy resources tests send.
import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { AdsServer, StaticProvider, TypeUrl, normalize as wireNormalize, type EnvoyJson } from '@mesh/xds';
import { XdsClient, type XdsClientNackEvent } from '@mesh/xds-client';
import { freePort, waitFor } from '@mesh/testing';
import { pino } from 'pino';
import { DataplaneRuntime, type RuntimeOptions } from '../runtime/dataplane-runtime.ts';

export const T = 'type.googleapis.com/';
export const HCM = `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': `${T}envoy.extensions.filters.http.router.v3.Router` } };

export interface Resources {
  listeners?: Record<string, EnvoyJson>;
  clusters?: Record<string, EnvoyJson>;
  routes?: Record<string, EnvoyJson>;
  endpoints?: Record<string, EnvoyJson>;
  secrets?: Record<string, EnvoyJson>;
}

const typeOf: Record<keyof Resources, string> = {
  listeners: TypeUrl.Listener,
  clusters: TypeUrl.Cluster,
  routes: TypeUrl.RouteConfiguration,
  endpoints: TypeUrl.ClusterLoadAssignment,
  secrets: TypeUrl.Secret,
};

/** ADS server + xds-client + runtime on loopback. */
export class MeshHarness {
  readonly provider: StaticProvider;
  readonly server: AdsServer;
  readonly runtime: DataplaneRuntime;
  readonly client: XdsClient;
  readonly nacks: XdsClientNackEvent[] = [];
  private current: Resources = {};

  private constructor(provider: StaticProvider, server: AdsServer, runtime: DataplaneRuntime, client: XdsClient) {
    this.provider = provider;
    this.server = server;
    this.runtime = runtime;
    this.client = client;
    client.on('nack', (n) => this.nacks.push(n));
  }

  /** Starts the ADS server and connects a runtime to it. */
  static async start(opts: { delta?: boolean; runtime?: RuntimeOptions } = {}): Promise<MeshHarness> {
    const provider = new StaticProvider();
    const server = new AdsServer({ provider });
    const { port } = await server.listen('127.0.0.1:0');
    const runtime = new DataplaneRuntime({ logger: pino({ level: 'silent' }), ...opts.runtime });
    const client = new XdsClient({
      target: `127.0.0.1:${port}`,
      node: { id: 'sidecar~127.0.0.1~test.default~default.svc.cluster.local', cluster: 'test.default' },
      apiType: opts.delta ? 'DELTA_GRPC' : 'GRPC',
      validate: (s) => {
        const r = runtime.validate(s);
        return r.ok ? [] : r.errors;
      },
      initialFetchTimeoutMs: 0,
    });
    client.on('snapshot', (s) => void runtime.apply(s));
    const h = new MeshHarness(provider, server, runtime, client);
    client.start();
    return h;
  }

  /** Replaces the given resource types (others stay) and waits until the runtime serves exactly them. */
  async set(res: Resources, timeoutMs = 10_000): Promise<void> {
    this.current = { ...this.current, ...res };
    for (const k of Object.keys(res) as (keyof Resources)[]) this.provider.set(typeOf[k], res[k] ?? {});
    this.server.push();
    try {
      await waitFor(() => this.applied(this.current) === undefined, timeoutMs, 10);
    } catch {
      throw new Error(`config not applied: ${this.applied(this.current)}; nacks: ${JSON.stringify(this.nacks.map((n) => n.message))}`);
    }
  }

  /** Pushes resources without waiting (for NACK tests). */
  pushOnly(res: Resources): void {
    for (const k of Object.keys(res) as (keyof Resources)[]) this.provider.set(typeOf[k], res[k] ?? {});
    this.server.push();
  }

  private applied(want: Resources): string | undefined {
    const s = this.runtime.current().snapshot;
    const got: Record<keyof Resources, ReadonlyMap<string, EnvoyJson>> = { listeners: s.listeners, clusters: s.clusters, routes: s.routes, endpoints: s.endpoints, secrets: s.secrets };
    for (const k of Object.keys(want) as (keyof Resources)[]) {
      const w = want[k] ?? {};
      const g = got[k];
      if (g.size !== Object.keys(w).length) return `${k}: have [${[...g.keys()].join(',')}], want [${Object.keys(w).join(',')}]`;
      for (const [name, v] of Object.entries(w)) if (!isDeepStrictEqual(normalize(g.get(name)), normalize(wireNormalize(typeOf[k], v)))) return `${k}/${name} differs`;
    }
    return undefined;
  }

  /** The bound port of a listener. */
  port(listener: string): number {
    const a = this.runtime.listenerAddress(listener);
    if (!a || typeof a === 'string') throw new Error(`listener ${listener} is not bound`);
    return a.port;
  }

  async close(): Promise<void> {
    await this.client.dispose();
    await this.server.close();
    await this.runtime.close();
  }
}

// The codec may add defaults or reorder; compare through a JSON round trip that drops undefined.
function normalize(v: unknown): unknown {
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown);
}

/** A loopback HTTP/1.1 upstream that echoes what it received as JSON. */
export interface Echo {
  readonly name: string;
  readonly port: number;
  hits: number;
  readonly requests: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[];
  /** Status to answer with (default 200); a function decides per request. */
  status: number | ((n: number) => number);
  delayMs: number;
  close(): Promise<void>;
}

/** Starts an echo upstream on 127.0.0.1. */
export async function startEcho(name: string): Promise<Echo> {
  const echo: Echo = {
    name,
    port: 0,
    hits: 0,
    requests: [],
    status: 200,
    delayMs: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      echo.hits++;
      echo.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const status = typeof echo.status === 'function' ? echo.status(echo.hits) : echo.status;
      const reply = (): void => {
        if (res.destroyed) return;
        res.writeHead(status, { 'content-type': 'application/json', 'x-upstream': name });
        res.end(JSON.stringify({ name, method: req.method, path: req.url, headers: req.headers, body }));
      };
      if (echo.delayMs > 0) setTimeout(reply, echo.delayMs);
      else reply();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  (echo as { port: number }).port = (server.address() as { port: number }).port;
  return echo;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): { name: string; method: string; path: string; headers: http.IncomingHttpHeaders; body: string };
}

/** One HTTP/1.1 request on a fresh connection. */
export function request(port: number, path: string, opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...opts.headers };
    if (opts.host) headers['host'] = opts.host;
    const req = http.request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => JSON.parse(body) as ReturnType<Reply['json']>,
        }),
      );
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A listener on 127.0.0.1:port (0 = any) with an HTTP connection manager. */
export function httpListener(name: string, port: number, route: { rds: string } | { inline: EnvoyJson }, extra: { httpFilters?: EnvoyJson[]; statPrefix?: string; listener?: EnvoyJson; chain?: EnvoyJson } = {}): EnvoyJson {
  const hcm: EnvoyJson = {
    '@type': HCM,
    stat_prefix: extra.statPrefix ?? name,
    http_filters: [...(extra.httpFilters ?? []), ROUTER],
  };
  if ('rds' in route) hcm['rds'] = { route_config_name: route.rds, config_source: { ads: {}, resource_api_version: 'V3' } };
  else hcm['route_config'] = route.inline;
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }], ...extra.chain }],
    ...extra.listener,
  };
}

/** An EDS cluster (endpoints come from `cla`). */
export function edsCluster(name: string, extra: EnvoyJson = {}): EnvoyJson {
  return { name, type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, ...extra };
}

/** A STATIC cluster on loopback ports. */
export function staticCluster(name: string, ports: number[], extra: EnvoyJson = {}): EnvoyJson {
  return { name, type: 'STATIC', connect_timeout: '1s', load_assignment: cla(name, ports), ...extra };
}

/** A ClusterLoadAssignment for loopback ports. */
export function cla(name: string, ports: number[], perEndpoint: EnvoyJson = {}): EnvoyJson {
  return {
    cluster_name: name,
    endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: p } } }, ...perEndpoint })) }],
  };
}

/** A route configuration with one catch-all virtual host holding `routes`. */
export function routeConfig(name: string, routes: EnvoyJson[], vhost: EnvoyJson = {}): EnvoyJson {
  return { name, virtual_hosts: [{ name: 'vh', domains: ['*'], routes, ...vhost }] };
}

/** Free loopback port (re-export for tests). */
export { freePort };
