// --run-validation: proves interception works by connecting to 127.0.0.6:<probe port> (::6 for IPv6) and waiting
// for that connection to arrive at a listener on the proxy's outbound or inbound capture port.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { IptablesConfig } from '../config/config.ts';
import type { Logger } from './logger.ts';

/** Inputs of one probe run. */
export interface ProbeOptions {
  ipv6: boolean;
  listenPorts: number[];
  probePort: number;
  timeoutMs: number;
}

/** Outcome of the probe: ok, or the reason it failed. */
export type ProbeResult = { ok: true; port: number } | { ok: false; reason: string };

/** Runs the probe in the current network namespace. */
export async function runProbe(opts: ProbeOptions, log: Logger): Promise<ProbeResult> {
  const listenHost = opts.ipv6 ? '::1' : '127.0.0.1';
  const target = opts.ipv6 ? '::6' : '127.0.0.6';
  const clientPorts = new Set<number>();
  const acceptedPorts = new Map<number, number>();
  let succeed: (result: ProbeResult) => void = () => undefined;
  const servers: net.Server[] = [];
  const sockets = new Set<net.Socket>();
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<ProbeResult>((resolve) => {
    succeed = resolve;
    for (const port of opts.listenPorts) {
      const server = net.createServer((conn) => {
        // Only our own probe connections count: the client port identifies them (NAT keeps it). The accept may be
        // seen before or after the client's connect event, so both sides check.
        const remotePort = conn.remotePort;
        conn.destroy();
        if (remotePort === undefined) return;
        if (clientPorts.has(remotePort)) resolve({ ok: true, port });
        else acceptedPorts.set(remotePort, port);
      });
      server.on('error', (err) => log.warn('validation listener failed', { port, error: err.message }));
      server.listen({ host: listenHost, port, exclusive: true });
      servers.push(server);
    }
    timer = setTimeout(() => resolve({ ok: false, reason: `validation timeout after ${opts.timeoutMs}ms` }), opts.timeoutMs);
  });
  const listening = await Promise.all(
    servers.map((s) => new Promise<boolean>((r) => (s.listening ? r(true) : (s.once('listening', () => r(true)), s.once('error', () => r(false)))))),
  );
  if (!listening.some(Boolean)) {
    clearTimeout(timer);
    return { ok: false, reason: `no listener available on ${opts.listenPorts.map((p) => `${listenHost}:${p}`).join(',')}` };
  }
  const attempt = (): void => {
    const socket = net.connect({ host: target, port: opts.probePort, localAddress: listenHost });
    sockets.add(socket);
    socket.on('connect', () => {
      const local = socket.localPort;
      if (local === undefined) return;
      clientPorts.add(local);
      const listener = acceptedPorts.get(local);
      if (listener !== undefined) succeed({ ok: true, port: listener });
    });
    // The listener resets us; errors on the probe client are expected.
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  log.info('starting iptables validation', { target: `${target}:${opts.probePort}`, listeners: opts.listenPorts });
  attempt();
  const interval = setInterval(attempt, 1000);
  const result = await done;
  clearTimeout(timer);
  clearInterval(interval);
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
  return result;
}

/** Probe options derived from a config. */
export function probeOptions(cfg: IptablesConfig): ProbeOptions {
  return {
    ipv6: cfg.enableIPv6,
    listenPorts: [Number(cfg.proxyPort), Number(cfg.inboundCapturePort)],
    probePort: cfg.iptablesProbePort,
    timeoutMs: cfg.probeTimeoutMs,
  };
}

/** Runs the validation, inside cfg.networkNamespace when set (through nsenter and a child Node process). */
export async function runValidation(cfg: IptablesConfig, log: Logger): Promise<ProbeResult> {
  const opts = probeOptions(cfg);
  if (cfg.networkNamespace === '') return runProbe(opts, log);
  const path = cfg.networkNamespace.startsWith('/') ? cfg.networkNamespace : `/var/run/netns/${cfg.networkNamespace}`;
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const main = fileURLToPath(new URL(`./validation-probe-main${ext}`, import.meta.url));
  const child = spawn('nsenter', [`--net=${path}`, '--', process.execPath, ...process.execArgv, main, JSON.stringify(opts)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)));
  try {
    return JSON.parse(out) as ProbeResult;
  } catch {
    return { ok: false, reason: `validation probe in ${path} exited with ${code}` };
  }
}
