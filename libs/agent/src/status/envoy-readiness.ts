import { request } from 'node:http';

/** GETs a URL on loopback and returns status and body; rejects on network errors or timeout. */
export function httpGet(url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Parses Envoy's admin `/stats` text (`name: value` per line) into a map of numeric values. */
export function parseEnvoyStats(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(': ');
    if (i <= 0) continue;
    const v = Number(line.slice(i + 2).trim());
    if (Number.isFinite(v)) out.set(line.slice(0, i).trim(), v);
  }
  return out;
}

const SERVER_STATE_LIVE = 0;

/**
 * Upstream's readiness rule: Envoy's server.state is LIVE, workers have started and both CDS and
 * LDS have been applied at least once. Returns undefined when ready, else the reason.
 */
export async function envoyNotReadyReason(adminPort: number, timeoutMs = 1000): Promise<string | undefined> {
  let stats: Map<string, number>;
  try {
    const res = await httpGet(
      `http://127.0.0.1:${adminPort}/stats?usedonly&filter=^(server.state|listener_manager.workers_started|cluster_manager.cds.update_success|listener_manager.lds.update_success)$`,
      timeoutMs,
    );
    if (res.status !== 200) return `proxy admin returned ${res.status}`;
    stats = parseEnvoyStats(res.body);
  } catch (err) {
    return `proxy admin unreachable: ${(err as Error).message}`;
  }
  if (stats.get('server.state') !== SERVER_STATE_LIVE) return `server is not live, current state is: ${stats.get('server.state') ?? 'unknown'}`;
  if ((stats.get('listener_manager.workers_started') ?? 0) < 1) return 'workers have not yet started';
  if ((stats.get('cluster_manager.cds.update_success') ?? 0) < 1 || (stats.get('listener_manager.lds.update_success') ?? 0) < 1) {
    return 'config not received from XDS server (is Istiod running?)';
  }
  return undefined;
}
