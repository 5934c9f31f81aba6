// A fortio-like load client: N requests over C concurrent connections, each connection used serially (keep-alive);
// reports the count per status code. Used by the circuit-breaking task (`-c 2 -n 20`).
import http from 'node:http';

export interface LoadOptions {
  url: string;
  connections: number;
  requests: number;
  timeoutMs?: number;
}

export interface LoadResult {
  codes: Record<string, number>;
  durationMs: number;
}

export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const codes: Record<string, number> = {};
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      while (next < opts.requests) {
        next++;
        const code = await new Promise<string>((resolve) => {
          const req = http.get(opts.url, { agent, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.statusCode ?? 0)));
            res.on('error', () => resolve('-1'));
          });
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.on('error', () => resolve('-1'));
        });
        codes[code] = (codes[code] ?? 0) + 1;
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.connections) }, worker));
  return { codes, durationMs: Date.now() - started };
}
