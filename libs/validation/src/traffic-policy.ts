// DestinationRule traffic policies: connection pool, load balancer, outlier detection, TLS, tunnel, per-port settings.
// Also used by Sidecar (connection pools).
import { checkDuration } from './durations.ts';
import { checkFQDN } from './hosts.ts';
import { isIP } from './ip.ts';
import type { Report } from './issues.ts';
import { child } from './issues.ts';
import { checkPort } from './ports.ts';
import { validateClientTLS } from './tls.ts';
import type { Obj } from './values.ts';
import { arr, bool, has, num, obj, str, wrapped } from './values.ts';
import { validateLocalityLb } from './locality.ts';

function duration(r: Report, parent: Obj, path: string, key: string): void {
  if (has(parent, key)) r.check(child(path, key), checkDuration(parent[key]));
}

function nonNegative(r: Report, parent: Obj, path: string, key: string, what: string): void {
  if (num(wrapped(parent[key])) < 0) r.error(child(path, key), `${what} must be non-negative`);
}

/** Validates ConnectionPoolSettings. */
export function validateConnectionPool(r: Report, path: string, value: unknown): void {
  const pool = obj(value);
  if (!pool) return;
  const http = obj(pool['http']);
  const tcp = obj(pool['tcp']);
  if (!http && !tcp) {
    r.error(path, 'connection pool must have at least one field');
    return;
  }
  if (http) {
    const p = child(path, 'http');
    nonNegative(r, http, p, 'http1MaxPendingRequests', 'http1 max pending requests');
    nonNegative(r, http, p, 'http2MaxRequests', 'http2 max requests');
    nonNegative(r, http, p, 'maxRequestsPerConnection', 'max requests per connection');
    nonNegative(r, http, p, 'maxRetries', 'max retries');
    nonNegative(r, http, p, 'maxConcurrentStreams', 'max concurrent streams');
    duration(r, http, p, 'idleTimeout');
    if (str(http['h2UpgradePolicy']) === 'UPGRADE' && bool(http['useClientProtocol'])) {
      r.error(p, 'use client protocol must not be true when H2UpgradePolicy is UPGRADE');
    }
  }
  if (tcp) {
    const p = child(path, 'tcp');
    nonNegative(r, tcp, p, 'maxConnections', 'max connections');
    duration(r, tcp, p, 'connectTimeout');
    duration(r, tcp, p, 'maxConnectionDuration');
    // An idle timeout of 0s disables it.
    if (has(tcp, 'idleTimeout') && str(tcp['idleTimeout']) !== '0s') duration(r, tcp, p, 'idleTimeout');
    const ka = obj(tcp['tcpKeepalive']);
    if (ka) {
      duration(r, ka, child(p, 'tcpKeepalive'), 'time');
      duration(r, ka, child(p, 'tcpKeepalive'), 'interval');
    }
  }
}

function checkPercent(r: Report, path: string, value: unknown): void {
  const v = num(wrapped(value));
  if (v < 0 || v > 100) r.error(path, `percentage ${v} is not in range 0..100`);
}

/** Validates OutlierDetection. */
export function validateOutlierDetection(r: Report, path: string, value: unknown): void {
  const od = obj(value);
  if (!od) return;
  duration(r, od, path, 'baseEjectionTime');
  duration(r, od, path, 'interval');
  if (num(wrapped(od['consecutiveErrors'])) !== 0) {
    r.warn(child(path, 'consecutiveErrors'), 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead');
  }
  if (!bool(od['splitExternalLocalOriginErrors']) && num(wrapped(od['consecutiveLocalOriginFailures'])) > 0) {
    r.error(child(path, 'consecutiveLocalOriginFailures'), 'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false');
  }
  checkPercent(r, child(path, 'maxEjectionPercent'), od['maxEjectionPercent']);
  checkPercent(r, child(path, 'minHealthPercent'), od['minHealthPercent']);
}

function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

/** Validates LoadBalancerSettings; the sibling outlier detection decides whether failover warns. */
export function validateLoadBalancer(r: Report, path: string, value: unknown, outlier: unknown): void {
  const lb = obj(value);
  if (!lb) return;
  const ch = obj(lb['consistentHash']);
  if (ch) {
    const p = child(path, 'consistentHash');
    const cookie = obj(ch['httpCookie']);
    if (cookie) {
      if (str(cookie['name']) === '') r.error(child(p, 'httpCookie.name'), 'name required for HttpCookie');
      const seen = new Set<string>();
      (arr(cookie['attributes']) ?? []).forEach((a, i) => {
        const name = str(obj(a)?.['name']);
        const ap = `${child(p, 'httpCookie.attributes')}[${i}]`;
        if (name === '') r.error(ap, 'cookie attribute name cannot be empty');
        else if (seen.has(name)) r.error(ap, `cookie attribute name ${name} is duplicated`);
        seen.add(name);
      });
    }
    const ringSize = num(wrapped(ch['minimumRingSize']));
    if (ringSize !== 0) {
      r.warn(child(p, 'minimumRingSize'), "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead");
      if (has(ch, 'ringHash') || has(ch, 'maglev')) r.error(p, 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
    }
    const maglev = obj(ch['maglev']);
    if (maglev) {
      const size = num(maglev['tableSize']);
      if (size === 0) r.error(child(p, 'maglev.tableSize'), 'tableSize must be set for maglev');
      if (size >= 5000011) r.error(child(p, 'maglev.tableSize'), 'tableSize must be less than 5000011 for maglev');
      if (!isPrime(size)) r.error(child(p, 'maglev.tableSize'), 'tableSize must be a prime number for maglev');
    }
  }
  if (has(lb, 'localityLbSetting') && has(lb, 'zoneAwareLbSetting')) {
    r.error(path, 'only one of localityLbSetting or zoneAwareLbSetting can be specified');
  }
  validateLocalityLb(r, child(path, 'localityLbSetting'), lb['localityLbSetting'], outlier);
  duration(r, lb, path, 'warmupDurationSecs');
  const warmup = obj(lb['warmup']);
  if (warmup) {
    const p = child(path, 'warmup');
    if (!has(warmup, 'duration')) r.error(child(p, 'duration'), 'warmup duration is required');
    else duration(r, warmup, p, 'duration');
    if (has(warmup, 'minimumPercent')) {
      const v = num(wrapped(warmup['minimumPercent']));
      if (v < 0 || v > 100) r.error(child(p, 'minimumPercent'), 'minimumPercent must be in range [0, 100]');
    }
    if (has(warmup, 'aggression') && num(wrapped(warmup['aggression'])) <= 0) {
      r.error(child(p, 'aggression'), 'aggression must be greater than 0');
    }
  }
}

function validateTunnel(r: Report, path: string, value: unknown): void {
  const tunnel = obj(value);
  if (!tunnel) return;
  const protocol = str(tunnel['protocol']);
  if (protocol !== '' && protocol !== 'CONNECT' && protocol !== 'POST') r.error(child(path, 'protocol'), 'tunnel protocol must be "CONNECT" or "POST"');
  const host = str(tunnel['targetHost']);
  const fqdnErr = checkFQDN(host);
  if (fqdnErr && !isIP(host)) r.error(child(path, 'targetHost'), `tunnel target host must be valid FQDN or IP address: ${fqdnErr}; ${host} is not a valid IP`);
  const portErr = checkPort(num(tunnel['targetPort']));
  if (portErr) r.error(child(path, 'targetPort'), `tunnel target port is invalid: ${portErr}`);
}

function validatePortLevelSettings(r: Report, path: string, value: unknown, namespace: string): void {
  (arr(value) ?? []).forEach((item, i) => {
    const p = child(path, i);
    const s = obj(item);
    if (!s) {
      r.error(p, 'traffic policy may not be null');
      return;
    }
    if (!has(s, 'port')) r.error(child(p, 'port'), 'portTrafficPolicy must have valid port');
    if (!has(s, 'outlierDetection') && !has(s, 'connectionPool') && !has(s, 'loadBalancer') && !has(s, 'tls')) {
      r.error(p, 'port traffic policy must have at least one field');
      return;
    }
    validateOutlierDetection(r, child(p, 'outlierDetection'), s['outlierDetection']);
    validateConnectionPool(r, child(p, 'connectionPool'), s['connectionPool']);
    validateLoadBalancer(r, child(p, 'loadBalancer'), s['loadBalancer'], s['outlierDetection']);
    validateClientTLS(r, child(p, 'tls'), s['tls'], namespace);
  });
}

/** Validates a TrafficPolicy (top level or per subset). */
export function validateTrafficPolicy(r: Report, path: string, value: unknown, namespace: string): void {
  if (value === undefined || value === null) return;
  const tp = obj(value) ?? {};
  const fields = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol'];
  if (!fields.some((f) => has(tp, f))) {
    r.error(path, 'traffic policy must have at least one field');
    return;
  }
  if (has(tp, 'tunnel') && has(tp, 'proxyProtocol')) {
    r.error(path, 'tunnel and proxyProtocol must not be set together');
    return;
  }
  validateOutlierDetection(r, child(path, 'outlierDetection'), tp['outlierDetection']);
  validateConnectionPool(r, child(path, 'connectionPool'), tp['connectionPool']);
  validateLoadBalancer(r, child(path, 'loadBalancer'), tp['loadBalancer'], tp['outlierDetection']);
  validateClientTLS(r, child(path, 'tls'), tp['tls'], namespace);
  validatePortLevelSettings(r, child(path, 'portLevelSettings'), tp['portLevelSettings'], namespace);
  validateTunnel(r, child(path, 'tunnel'), tp['tunnel']);
  const pp = obj(tp['proxyProtocol']);
  if (pp) {
    const version = pp['version'];
    if (version !== undefined && version !== 'V1' && version !== 'V2' && version !== 0 && version !== 1) {
      r.error(child(path, 'proxyProtocol.version'), `proxy protocol version is invalid: ${String(version)}`);
    }
  }
}
