// HttpConnectionManager → CompiledHcm: codec, route source (inline or RDS) and the HTTP filter chain.
import { ConfigError, anyType, arr, bool, durationMs, enumOf, obj, reqStr, str, uint, type Json } from '../config/json-reader.ts';
import { ExtensionType, filterNameToType, passThroughFilterTypes } from '../config/type-urls.ts';
import { compileRouteConfig } from '../router/compile-route-config.ts';
import type { CompiledRouteConfig } from '../router/route-types.ts';
import { compileAccessLogs, type AccessLogger } from './access-log.ts';
import { compileAlpnOverride, istioAlpnConfig, type AlpnOverride } from './alpn-override.ts';
import { compileClientCertPolicy, type ClientCertPolicy } from './client-cert-header.ts';
import { compileFault, type FaultPolicy } from './fault-policy.ts';
import { compileRbacFilter, type RbacPolicy } from './rbac-policy.ts';

export interface CompiledHcm {
  readonly kind: 'http';
  readonly statPrefix: string;
  readonly codec: 'AUTO' | 'HTTP1' | 'HTTP2';
  readonly rdsName: string | undefined;
  readonly routeConfig: CompiledRouteConfig | undefined;
  /** The fault filter is in the chain (per-route configs only apply then); `fault` is its own config. */
  readonly faultEnabled: boolean;
  readonly fault: FaultPolicy | undefined;
  readonly corsEnabled: boolean;
  readonly streamIdleTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly useRemoteAddress: boolean;
  readonly xffNumTrustedHops: number;
  readonly serverName: string;
  readonly mergeSlashes: boolean;
  readonly http2MaxConcurrentStreams: number;
  readonly clientCert: ClientCertPolicy;
  /** RBAC HTTP filters in chain order; every one must allow the request. */
  readonly rbac: readonly RbacPolicy[];
  readonly accessLogs: readonly AccessLogger[];
  /** Istio's istio.alpn filter: the upstream TLS ALPN list by upstream protocol. */
  readonly alpnOverride: AlpnOverride | undefined;
}

/** Compiles the typed_config of an http_connection_manager network filter. */
export function compileHcm(v: Json, path: string): CompiledHcm {
  const statPrefix = reqStr(v['stat_prefix'], `${path}.stat_prefix`);
  const codec = enumOf(v['codec_type'], `${path}.codec_type`, ['AUTO', 'HTTP1', 'HTTP2', 'HTTP3'] as const, 'AUTO');
  if (codec === 'HTTP3') throw new ConfigError(`${path}.codec_type`, 'HTTP3 is not supported');
  let rdsName: string | undefined;
  let routeConfig: CompiledRouteConfig | undefined;
  if (v['rds'] !== undefined) {
    rdsName = reqStr(obj(v['rds'], `${path}.rds`)['route_config_name'], `${path}.rds.route_config_name`);
  } else if (v['route_config'] !== undefined) {
    routeConfig = compileRouteConfig(obj(v['route_config'], `${path}.route_config`), `${path}.route_config`);
  } else if (v['scoped_routes'] !== undefined) {
    throw new ConfigError(`${path}.scoped_routes`, 'scoped routes are not supported');
  } else {
    throw new ConfigError(path, 'one of rds or route_config is required');
  }
  let faultEnabled = false;
  let fault: FaultPolicy | undefined;
  let corsEnabled = false;
  const rbac: RbacPolicy[] = [];
  let alpnOverride: AlpnOverride | undefined;
  const filters = arr(v['http_filters'], `${path}.http_filters`);
  let sawRouter = false;
  filters.forEach((f, i) => {
    const fp = `${path}.http_filters[${i}]`;
    const fo = obj(f, fp);
    const name = str(fo['name'], `${fp}.name`);
    const tc = obj(fo['typed_config'], `${fp}.typed_config`);
    const type = anyType(tc) || filterNameToType[name] || '';
    if (sawRouter) throw new ConfigError(fp, 'the router filter must be the last HTTP filter');
    const alpn = istioAlpnConfig(tc, `${fp}.typed_config`);
    if (alpn !== undefined) alpnOverride = compileAlpnOverride(alpn.config, alpn.path);
    else if (type === ExtensionType.Router) sawRouter = true;
    else if (type === ExtensionType.Fault) {
      faultEnabled = true;
      if (Object.keys(tc).length > 1) fault = compileFault(tc, `${fp}.typed_config`);
    } else if (type === ExtensionType.Cors) corsEnabled = true;
    else if (type === ExtensionType.HttpRbac) {
      const r = compileRbacFilter(tc, `${fp}.typed_config`);
      if (r) rbac.push(r);
    }
    else if (passThroughFilterTypes.has(type) || bool(fo['is_optional'], `${fp}.is_optional`) || bool(fo['disabled'], `${fp}.disabled`)) {
      // Telemetry/metadata filters and optional ones do not change forwarding.
    } else {
      throw new ConfigError(`${fp}.typed_config`, `unsupported HTTP filter "${name}"${type ? ` (${type})` : ''}`);
    }
  });
  if (!sawRouter) throw new ConfigError(`${path}.http_filters`, 'the router filter (envoy.filters.http.router) is required');
  const h2 = obj(v['http2_protocol_options'], `${path}.http2_protocol_options`);
  return {
    kind: 'http',
    statPrefix,
    codec,
    rdsName,
    routeConfig,
    faultEnabled,
    fault,
    corsEnabled,
    streamIdleTimeoutMs: durationMs(v['stream_idle_timeout'], `${path}.stream_idle_timeout`, 300_000),
    requestTimeoutMs: durationMs(v['request_timeout'], `${path}.request_timeout`, 0),
    useRemoteAddress: bool(v['use_remote_address'], `${path}.use_remote_address`),
    xffNumTrustedHops: uint(v['xff_num_trusted_hops'], `${path}.xff_num_trusted_hops`, 0),
    serverName: str(v['server_name'], `${path}.server_name`, 'envoy'),
    mergeSlashes: bool(v['merge_slashes'], `${path}.merge_slashes`),
    http2MaxConcurrentStreams: uint(h2['max_concurrent_streams'], `${path}.http2_protocol_options.max_concurrent_streams`, 2147483647),
    clientCert: compileClientCertPolicy(v, path),
    rbac,
    accessLogs: compileAccessLogs(v['access_log'], `${path}.access_log`),
    alpnOverride,
  };
}
