// Chooses the load balancer implementation for a cluster's policy.
import type { CompiledCluster } from '../cluster/cluster-types.ts';
import { MaglevLb, RingHashLb } from './hash-lb.ts';
import { LeastRequestLb, RandomLb, RoundRobinLb } from './simple-lb.ts';
import type { LoadBalancer, UpstreamHost } from './upstream-host.ts';

/** Builds the load balancer for `hosts` according to the cluster's lb_policy. */
export function createLoadBalancer(cluster: CompiledCluster, hosts: readonly UpstreamHost[]): LoadBalancer {
  switch (cluster.lbPolicy) {
    case 'LEAST_REQUEST':
      return new LeastRequestLb(hosts, cluster.leastRequestChoices);
    case 'RANDOM':
      return new RandomLb(hosts);
    case 'RING_HASH':
      return new RingHashLb(hosts, cluster.ringSize);
    case 'MAGLEV':
      return new MaglevLb(hosts, cluster.maglevTableSize);
    default:
      return new RoundRobinLb(hosts);
  }
}
