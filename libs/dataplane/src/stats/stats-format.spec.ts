// Unit: Prometheus names and tags follow Envoy's default tag extractors.
import { describe, expect, it } from 'vitest';
import { renderPrometheus, renderStatsText } from './stats-format.ts';
import { StatsStore } from './stats-store.ts';

describe('stats rendering', () => {
  const store = new StatsStore();
  store.counter('cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_total').inc(3);
  store.counter('cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_2xx').inc(2);
  store.counter('cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_rq_503').inc(1);
  store.gauge('cluster.x.outlier_detection.ejections_active').set(1);
  store.counter('http.inbound_0.0.0.0_9080.downstream_rq_total').inc(4);
  store.counter('listener.0.0.0.0_15006.worker_1.downstream_cx_total').inc(5);
  store.gauge('server.state').set(0);
  store.counter('unused.counter');

  it('renders Envoy names with cluster, prefix, code, class and worker tags', () => {
    const text = renderPrometheus(store);
    expect(text).toContain('envoy_cluster_upstream_rq_total{envoy_cluster_name="outbound|9080||reviews.default.svc.cluster.local"} 3');
    expect(text).toContain('envoy_cluster_upstream_rq_xx{envoy_cluster_name="outbound|9080||reviews.default.svc.cluster.local",envoy_response_code_class="2"} 2');
    expect(text).toContain('envoy_cluster_upstream_rq{envoy_cluster_name="outbound|9080||reviews.default.svc.cluster.local",envoy_response_code="503"} 1');
    expect(text).toContain('envoy_cluster_outlier_detection_ejections_active{envoy_cluster_name="x"} 1');
    expect(text).toContain('envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix="inbound_0.0.0.0_9080"} 4');
    expect(text).toContain('envoy_listener_worker_downstream_cx_total{envoy_listener_address="0.0.0.0_15006",envoy_worker_id="1"} 5');
    expect(text).toContain('# TYPE envoy_server_state gauge\nenvoy_server_state 0');
  });

  it('/stats text honours filter and usedonly', () => {
    expect(renderStatsText(store, { filter: /^server\./ })).toBe('server.state: 0\n');
    expect(renderStatsText(store, { usedOnly: true })).not.toContain('unused.counter');
    expect(renderStatsText(store)).toContain('unused.counter: 0');
  });
});
