import { request } from 'node:http';

/** Ports `pilot-agent request` may call (upstream allow-list). */
export const ALLOWED_DEBUG_PORTS = [15000, 15020, 15021, 15004];

/** `pilot-agent request <METHOD> <path> [body]`: calls the local proxy admin (or agent) and prints the response. */
export function runRequest(method: string, path: string, body: string | undefined, debugPort: number): Promise<number> {
  if (!ALLOWED_DEBUG_PORTS.includes(debugPort) && process.env['PILOT_AGENT_ALLOW_ANY_DEBUG_PORT'] !== 'true') {
    return Promise.reject(new Error(`--debug-port ${debugPort}: must be one of ${ALLOWED_DEBUG_PORTS.join(', ')}`));
  }
  const p = path.startsWith('/') ? path : `/${path}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: debugPort, path: p, method: method.toUpperCase(), timeout: 10_000 }, (res) => {
      res.pipe(process.stdout);
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}
