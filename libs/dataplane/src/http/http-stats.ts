// Envoy's HTTP connection manager stats (http.<stat_prefix>.*), resolved once per prefix.
import type { Counter, Gauge, StatsStore } from '../stats/stats-store.ts';

export class HttpStats {
  readonly rqTotal: Counter;
  readonly rqActive: Gauge;
  readonly rq1xx: Counter;
  readonly rq2xx: Counter;
  readonly rq3xx: Counter;
  readonly rq4xx: Counter;
  readonly rq5xx: Counter;
  readonly cxTotal: Counter;
  readonly cxActive: Gauge;
  readonly cxHttp1Total: Counter;
  readonly cxHttp2Total: Counter;
  readonly noRoute: Counter;
  readonly faultDelays: Counter;
  readonly faultAborts: Counter;
  readonly corsPreflight: Counter;
  readonly rbacDenied: Counter;

  constructor(store: StatsStore, prefix: string) {
    const p = `http.${prefix}.`;
    this.rqTotal = store.counter(`${p}downstream_rq_total`);
    this.rqActive = store.gauge(`${p}downstream_rq_active`);
    this.rq1xx = store.counter(`${p}downstream_rq_1xx`);
    this.rq2xx = store.counter(`${p}downstream_rq_2xx`);
    this.rq3xx = store.counter(`${p}downstream_rq_3xx`);
    this.rq4xx = store.counter(`${p}downstream_rq_4xx`);
    this.rq5xx = store.counter(`${p}downstream_rq_5xx`);
    this.cxTotal = store.counter(`${p}downstream_cx_total`);
    this.cxActive = store.gauge(`${p}downstream_cx_active`);
    this.cxHttp1Total = store.counter(`${p}downstream_cx_http1_total`);
    this.cxHttp2Total = store.counter(`${p}downstream_cx_http2_total`);
    this.noRoute = store.counter(`${p}no_route`);
    this.faultDelays = store.counter(`${p}fault.delays_injected`);
    this.faultAborts = store.counter(`${p}fault.aborts_injected`);
    this.corsPreflight = store.counter(`${p}cors.origin_valid`);
    this.rbacDenied = store.counter(`${p}rbac.denied`);
  }

  /** Counts a finished downstream response. */
  response(status: number): void {
    if (status >= 500) this.rq5xx.inc();
    else if (status >= 400) this.rq4xx.inc();
    else if (status >= 300) this.rq3xx.inc();
    else if (status >= 200) this.rq2xx.inc();
    else this.rq1xx.inc();
  }
}
