// Envoy's per-cluster stats (cluster.<name>.*), resolved once per cluster so the hot path only increments fields.
import type { Counter, Gauge, StatsStore } from '../stats/stats-store.ts';

/** Direct references to one cluster's counters and gauges. */
export class ClusterStats {
  private readonly store: StatsStore;
  private readonly prefix: string;
  private readonly byCode = new Map<number, Counter>();
  readonly rqTotal: Counter;
  readonly rqCompleted: Counter;
  readonly rq2xx: Counter;
  readonly rq3xx: Counter;
  readonly rq4xx: Counter;
  readonly rq5xx: Counter;
  readonly rqActive: Gauge;
  readonly rqPendingActive: Gauge;
  readonly rqPendingOverflow: Counter;
  readonly rqTimeout: Counter;
  readonly rqPerTryTimeout: Counter;
  readonly rqRetry: Counter;
  readonly rqRetrySuccess: Counter;
  readonly rqRetryOverflow: Counter;
  readonly rqRxReset: Counter;
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxConnectFail: Counter;
  readonly cxConnectTimeout: Counter;
  readonly cxNoneHealthy: Counter;
  readonly ejectionsEnforcedTotal: Counter;
  readonly ejectionsActive: Gauge;
  readonly ejectionsConsecutive5xx: Counter;
  readonly ejectionsGatewayFailure: Counter;
  readonly membershipTotal: Gauge;
  readonly membershipHealthy: Gauge;
  readonly cxOpen: Gauge;
  readonly rqOpen: Gauge;
  readonly rqPendingOpen: Gauge;
  readonly bytesSent: Counter;
  readonly bytesReceived: Counter;

  constructor(store: StatsStore, name: string) {
    this.store = store;
    const p = (this.prefix = `cluster.${name}.`);
    const c = (n: string): Counter => store.counter(p + n);
    const g = (n: string): Gauge => store.gauge(p + n);
    this.rqTotal = c('upstream_rq_total');
    this.rqCompleted = c('upstream_rq_completed');
    this.rq2xx = c('upstream_rq_2xx');
    this.rq3xx = c('upstream_rq_3xx');
    this.rq4xx = c('upstream_rq_4xx');
    this.rq5xx = c('upstream_rq_5xx');
    this.rqActive = g('upstream_rq_active');
    this.rqPendingActive = g('upstream_rq_pending_active');
    this.rqPendingOverflow = c('upstream_rq_pending_overflow');
    this.rqTimeout = c('upstream_rq_timeout');
    this.rqPerTryTimeout = c('upstream_rq_per_try_timeout');
    this.rqRetry = c('upstream_rq_retry');
    this.rqRetrySuccess = c('upstream_rq_retry_success');
    this.rqRetryOverflow = c('upstream_rq_retry_overflow');
    this.rqRxReset = c('upstream_rq_rx_reset');
    this.cxTotal = c('upstream_cx_total');
    this.cxActive = g('upstream_cx_active');
    this.cxConnectFail = c('upstream_cx_connect_fail');
    this.cxConnectTimeout = c('upstream_cx_connect_timeout');
    this.cxNoneHealthy = c('upstream_cx_none_healthy');
    this.ejectionsEnforcedTotal = c('outlier_detection.ejections_enforced_total');
    this.ejectionsActive = g('outlier_detection.ejections_active');
    this.ejectionsConsecutive5xx = c('outlier_detection.ejections_enforced_consecutive_5xx');
    this.ejectionsGatewayFailure = c('outlier_detection.ejections_enforced_consecutive_gateway_failure');
    this.membershipTotal = g('membership_total');
    this.membershipHealthy = g('membership_healthy');
    this.cxOpen = g('circuit_breakers.default.cx_open');
    this.rqOpen = g('circuit_breakers.default.rq_open');
    this.rqPendingOpen = g('circuit_breakers.default.rq_pending_open');
    this.bytesSent = c('upstream_cx_tx_bytes_total');
    this.bytesReceived = c('upstream_cx_rx_bytes_total');
  }

  /** Counts a completed upstream response by class and exact code. */
  response(code: number): void {
    this.rqCompleted.inc();
    if (code >= 500) this.rq5xx.inc();
    else if (code >= 400) this.rq4xx.inc();
    else if (code >= 300) this.rq3xx.inc();
    else if (code >= 200) this.rq2xx.inc();
    let c = this.byCode.get(code);
    if (!c) {
      c = this.store.counter(`${this.prefix}upstream_rq_${code}`);
      this.byCode.set(code, c);
    }
    c.inc();
  }
}
