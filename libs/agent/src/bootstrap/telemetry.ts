import type { ProxyConfig } from '../proxy-config/proxy-config.ts';
import { dnsCluster, splitHostPort, upstreamTls } from './clusters.ts';

type Json = Record<string, unknown>;

/** Clusters, `tracing` and `stats_sinks` for the collectors named in ProxyConfig. */
export interface TelemetryParts {
  clusters: Json[];
  tracing?: Json;
  statsSinks?: Json[];
}

/** Tracing (zipkin/lightstep/datadog), metrics service, access log service and statsd. */
export function buildTelemetry(pc: ProxyConfig, serviceCluster: string, lightstepTokenPath: string): TelemetryParts {
  const clusters: Json[] = [];
  let tracing: Json | undefined;
  const t = pc.tracing;
  if (t?.zipkin?.address) {
    clusters.push(
      dnsCluster('zipkin', t.zipkin.address, 'tracing.zipkin.address', { tls: upstreamTls(t.tlsSettings, false), refreshRate: '30s' }),
    );
    tracing = {
      http: {
        name: 'envoy.tracers.zipkin',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig',
          collector_cluster: 'zipkin',
          collector_endpoint: '/api/v2/spans',
          collector_endpoint_version: 'HTTP_JSON',
          trace_id_128bit: true,
          shared_span_context: false,
        },
      },
    };
  } else if (t?.lightstep?.address) {
    clusters.push(
      dnsCluster('lightstep', t.lightstep.address, 'tracing.lightstep.address', { h2: true, tls: upstreamTls(t.tlsSettings, true) }),
    );
    tracing = {
      http: {
        name: 'envoy.tracers.lightstep',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.config.trace.v3.LightstepConfig',
          collector_cluster: 'lightstep',
          access_token_file: lightstepTokenPath,
        },
      },
    };
  } else if (t?.datadog?.address) {
    clusters.push(dnsCluster('datadog_agent', t.datadog.address, 'tracing.datadog.address', { tls: upstreamTls(t.tlsSettings, false) }));
    tracing = {
      http: {
        name: 'envoy.tracers.datadog',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.config.trace.v3.DatadogConfig',
          collector_cluster: 'datadog_agent',
          service_name: serviceCluster,
        },
      },
    };
  }

  const ms = pc.envoyMetricsService;
  if (ms?.address) {
    clusters.push(
      dnsCluster('envoy_metrics_service', ms.address, 'envoyMetricsService.address', {
        h2: true,
        tls: upstreamTls(ms.tlsSettings, true),
        keepalive: ms.tcpKeepalive,
      }),
    );
  }
  const als = pc.envoyAccessLogService;
  if (als?.address) {
    clusters.push(
      dnsCluster('envoy_accesslog_service', als.address, 'envoyAccessLogService.address', {
        h2: true,
        tls: upstreamTls(als.tlsSettings, true),
        keepalive: als.tcpKeepalive,
      }),
    );
  }

  const sinks: Json[] = [];
  if (ms?.address) {
    sinks.push({
      name: 'envoy.stat_sinks.metrics_service',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.config.metrics.v3.MetricsServiceConfig',
        transport_api_version: 'V3',
        grpc_service: { envoy_grpc: { cluster_name: 'envoy_metrics_service' } },
      },
    });
  }
  if (pc.statsdUdpAddress) {
    const { host, port } = splitHostPort(pc.statsdUdpAddress, 'statsdUdpAddress');
    sinks.push({
      name: 'envoy.stat_sinks.statsd',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.config.metrics.v3.StatsdSink',
        address: { socket_address: { address: host, port_value: port } },
      },
    });
  }
  const out: TelemetryParts = { clusters };
  if (tracing) out.tracing = tracing;
  if (sinks.length > 0) out.statsSinks = sinks;
  return out;
}
