// mesh-proxy from source with a static bootstrap: listener → http_connection_manager → route "/" → STATIC cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appCommand, waitFor } from '@mesh/testing';
import { stopProcess, track } from './child-cleanup.ts';
import { pinned } from './fortio.ts';

/** An Envoy static bootstrap proxying every request on listenPort to 127.0.0.1:upstreamPort. */
export function staticBootstrap(adminPort: number, listenPort: number, upstreamPort: number): string {
  return `admin:
  address:
    socket_address: { address: 127.0.0.1, port_value: ${adminPort} }
static_resources:
  listeners:
  - name: bench_listener
    address:
      socket_address: { address: 127.0.0.1, port_value: ${listenPort} }
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: bench
          codec_type: AUTO
          route_config:
            name: bench_route
            virtual_hosts:
            - name: bench
              domains: ["*"]
              routes:
              - match: { prefix: "/" }
                route: { cluster: fortio }
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: fortio
    connect_timeout: 1s
    type: STATIC
    lb_policy: ROUND_ROBIN
    load_assignment:
      cluster_name: fortio
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address: { address: 127.0.0.1, port_value: ${upstreamPort} }
`;
}

/** Writes the bootstrap into dir and starts `mesh-proxy -c` (optionally pinned to CPUs); waits for /ready. */
export async function startMeshProxy(dir: string, name: string, ports: { admin: number; listen: number; upstream: number }, cpus?: string): Promise<{ proc: ChildProcess; pid: number; stop: () => Promise<void> }> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, staticBootstrap(ports.admin, ports.listen, ports.upstream));
  const app = appCommand('mesh-proxy', ['-c', file, '--log-level', 'warning', '--concurrency', '1']);
  const cmd = pinned(cpus, app.command, app.args);
  const proc = track(spawn(cmd.command, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = () => stopProcess(proc);
  try {
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`mesh-proxy ${name} exited with ${proc.exitCode}: ${stderr}`);
      return (await fetch(`http://127.0.0.1:${ports.admin}/ready`)).status === 200;
    }, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { proc, pid: proc.pid!, stop };
}
