import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

/** The agent's own metrics, served merged on :15020/stats/prometheus. */
export interface AgentMetrics {
  registry: Registry;
  scrapeFailures: Counter<'type'>;
  proxyRestarts: Counter;
}

/** Creates the agent registry (process metrics prefixed istio_agent_ plus agent counters). */
export function createAgentMetrics(): AgentMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'istio_agent_' });
  const scrapeFailures = new Counter({
    name: 'istio_agent_scrape_failures_total',
    help: 'Merged metrics scrapes that failed, by source.',
    labelNames: ['type'],
    registers: [registry],
  });
  const proxyRestarts = new Counter({
    name: 'istio_agent_proxy_restarts_total',
    help: 'Times the proxy exited unexpectedly and was restarted.',
    registers: [registry],
  });
  return { registry, scrapeFailures, proxyRestarts };
}
