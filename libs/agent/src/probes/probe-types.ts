/** One rewritten Kubernetes probe as ISTIO_KUBE_APP_PROBERS carries it (httpGet, tcpSocket or grpc). */
export interface AppProbe {
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string | null };
  timeoutSeconds?: number;
}

/** The outcome of a probe: ok, plus a reason for logs and the 15020 response body. */
export interface ProbeResult {
  ok: boolean;
  status?: number;
  reason: string;
}

/**
 * Parses ISTIO_KUBE_APP_PROBERS: a JSON object from `/app-health/<container>/<kind>` paths to probes.
 * Throws naming the bad path and field.
 */
export function parseAppProbers(text: string | undefined): Map<string, AppProbe> {
  const out = new Map<string, AppProbe>();
  if (!text || text.trim() === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`ISTIO_KUBE_APP_PROBERS: invalid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('ISTIO_KUBE_APP_PROBERS: must be a JSON object of path → probe');
  }
  for (const [path, probe] of Object.entries(parsed)) {
    if (!/^\/app-(health|lifecycle)\/[^/]+\/[a-z]+$/.test(path)) {
      throw new Error(`ISTIO_KUBE_APP_PROBERS["${path}"]: path must look like /app-health/<container>/<livez|readyz|startupz>`);
    }
    if (typeof probe !== 'object' || probe === null) throw new Error(`ISTIO_KUBE_APP_PROBERS["${path}"]: not an object`);
    const p = probe as AppProbe;
    const kinds = [p.httpGet, p.tcpSocket, p.grpc].filter((k) => k !== undefined).length;
    if (kinds !== 1) throw new Error(`ISTIO_KUBE_APP_PROBERS["${path}"]: exactly one of httpGet, tcpSocket, grpc is required`);
    const port = p.httpGet?.port ?? p.tcpSocket?.port ?? p.grpc?.port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new Error(`ISTIO_KUBE_APP_PROBERS["${path}"].port: must be a port number (named ports are resolved by the injector)`);
    }
    out.set(path, p);
  }
  return out;
}
