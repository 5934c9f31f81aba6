// istiod's Prometheus metrics, with upstream's names and labels so existing dashboards work.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface PilotMetrics {
  registry: Registry;
  /** pilot_xds{version}: connected xDS clients. */
  xdsClients: Gauge<'version'>;
  /** pilot_xds_pushes{type}: responses sent, by short type (cds, eds, lds, rds, sds). */
  xdsPushes: Counter<'type'>;
  /** pilot_total_xds_rejects{type}: NACKs received. */
  xdsRejects: Counter<'type'>;
  /** pilot_xds_cds_reject etc. are folded into the above; pilot_proxy_convergence_time: event to push done. */
  convergence: Histogram;
  /** pilot_xds_push_time{type}: time to generate and send one response. */
  pushTime: Histogram<'type'>;
  /** pilot_push_triggers{type}: why pushes happened (endpoint, config, proxy). */
  pushTriggers: Counter<'type'>;
  /** pilot_services / pilot_virt_services: sizes of the current snapshot. */
  services: Gauge;
  virtualServices: Gauge;
  /** pilot_total_rejected_configs: config objects skipped as invalid. */
  rejectedConfigs: Gauge;
  /** pilot_debounce_time: time a batch waited in the debouncer. */
  debounceTime: Histogram;
  /** pilot_xds_send_time: time spent writing one response to a stream. */
  sendTime: Histogram;
}

const buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 3, 5, 10, 20, 30];

export function createPilotMetrics(): PilotMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const m = {
    registry,
    xdsClients: new Gauge({ name: 'pilot_xds', help: 'Number of endpoints connected to this pilot using XDS.', labelNames: ['version'], registers: [registry] }),
    xdsPushes: new Counter({ name: 'pilot_xds_pushes', help: 'Pilot build and send errors for lds, rds, cds and eds.', labelNames: ['type'], registers: [registry] }),
    xdsRejects: new Counter({ name: 'pilot_total_xds_rejects', help: 'Total number of XDS responses from pilot rejected by proxy.', labelNames: ['type'], registers: [registry] }),
    convergence: new Histogram({ name: 'pilot_proxy_convergence_time', help: 'Delay in seconds between config change and a proxy receiving all required configuration.', buckets, registers: [registry] }),
    pushTime: new Histogram({ name: 'pilot_xds_push_time', help: 'Total time in seconds Pilot takes to push lds, rds, cds and eds.', labelNames: ['type'], buckets, registers: [registry] }),
    pushTriggers: new Counter({ name: 'pilot_push_triggers', help: 'Total number of times a push was triggered, labeled by reason for the push.', labelNames: ['type'], registers: [registry] }),
    services: new Gauge({ name: 'pilot_services', help: 'Total services known to pilot.', registers: [registry] }),
    virtualServices: new Gauge({ name: 'pilot_virt_services', help: 'Total virtual services known to pilot.', registers: [registry] }),
    rejectedConfigs: new Gauge({ name: 'pilot_total_rejected_configs', help: 'Total number of configs that Pilot had to reject or ignore.', registers: [registry] }),
    debounceTime: new Histogram({ name: 'pilot_debounce_time', help: 'Delay in seconds between the first config enters debouncing and the merged push request is pushed into the push queue.', buckets, registers: [registry] }),
    sendTime: new Histogram({ name: 'pilot_xds_send_time', help: 'Total time in seconds Pilot takes to send generated configuration.', buckets, registers: [registry] }),
  };
  return m;
}
