// Per-namespace hosts files: `ip netns exec` bind-mounts /etc/netns/<name>/hosts over /etc/hosts, so the
// processes of a pod resolve service names to service VIPs the way cluster DNS would.
import { mkdirSync, writeFileSync } from 'node:fs';

/** A Kubernetes Service as the hosts file needs it. */
export interface ServiceName {
  name: string;
  namespace: string;
  vip: string;
}

/** The pod the hosts file is for. */
export interface HostsOwner {
  podName: string;
  podIp: string;
  namespace: string;
}

/**
 * Renders the hosts file of a pod: localhost, the pod's own name, and every service under its FQDN forms;
 * the bare service name only for services in the pod's own namespace (as the cluster DNS search path gives).
 */
export function renderHosts(owner: HostsOwner, services: readonly ServiceName[], clusterDomain = 'cluster.local'): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', `${owner.podIp}\t${owner.podName}`];
  for (const s of services) {
    const names = [`${s.name}.${s.namespace}.svc.${clusterDomain}`, `${s.name}.${s.namespace}.svc`, `${s.name}.${s.namespace}`];
    if (s.namespace === owner.namespace) names.push(s.name);
    lines.push(`${s.vip}\t${names.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * Writes /etc/netns/<netns>/hosts in place (same inode), so processes already running in the namespace, which
 * see it through a bind mount, pick up services added later.
 */
export function writeHostsFile(netns: string, content: string, etcNetns = '/etc/netns'): string {
  const dir = `${etcNetns}/${netns}`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/hosts`;
  writeFileSync(path, content);
  return path;
}
