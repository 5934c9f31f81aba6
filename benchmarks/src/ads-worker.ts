// A worker process that runs a share of the simulated sidecars, so the client side of the istiod benchmark has its
// own processes (and its CPU can be read from /proc). Driven over the fork IPC channel by istiod-bench.ts.
import { encodeDiscoveryRequest, TypeUrl, type EnvoyJson } from '@mesh/xds';
import { epochMs, LightAdsClient, type ClientCounters, type InitialTimes } from './light-ads-client.ts';

/** Messages from the coordinator. */
export type WorkerCommand =
  | { type: 'start'; target: string; nodes: EnvoyJson[]; timeoutMs: number }
  | { type: 'watch'; marker: string; timeoutMs: number }
  | { type: 'stop' };

/** Messages to the coordinator. */
export type WorkerReport =
  | { type: 'ready' }
  | { type: 'initial'; times: InitialTimes[]; counters: ClientCounters[]; errors: string[] }
  | { type: 'watching'; marker: string; at: number }
  | { type: 'converged'; marker: string; seen: Array<number | null>; counters: ClientCounters[]; errors: string[] };

const clients: LightAdsClient[] = [];

function send(report: WorkerReport): void {
  process.send!(report);
}

function errors(): string[] {
  return clients.flatMap((c, i) => (c.error ? [`client ${i}: ${c.error}`] : []));
}

/** Resolves when check() holds or the deadline passes (polling; bounded by timeoutMs). */
async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function start(cmd: Extract<WorkerCommand, { type: 'start' }>): Promise<void> {
  let done = 0;
  for (const node of cmd.nodes) clients.push(new LightAdsClient(cmd.target, node, () => done++));
  // Done when every client has its config or has lost its stream (istiod gone: nothing more will arrive).
  await until(() => done === clients.length || clients.every((c) => c.times.doneAt !== undefined || c.error !== undefined), cmd.timeoutMs);
  send({ type: 'initial', times: clients.map((c) => c.times), counters: clients.map((c) => c.counters), errors: errors() });
}

async function watch(cmd: Extract<WorkerCommand, { type: 'watch' }>): Promise<void> {
  for (const c of clients) c.watch(cmd.marker);
  send({ type: 'watching', marker: cmd.marker, at: epochMs() });
  await until(() => clients.every((c) => c.markerSeen.has(cmd.marker)), cmd.timeoutMs);
  send({ type: 'converged', marker: cmd.marker, seen: clients.map((c) => c.markerSeen.get(cmd.marker) ?? null), counters: clients.map((c) => c.counters), errors: errors() });
}

process.on('message', (msg: WorkerCommand) => {
  switch (msg.type) {
    case 'start':
      void start(msg);
      break;
    case 'watch':
      void watch(msg);
      break;
    case 'stop':
      for (const c of clients) c.close();
      process.disconnect();
      setTimeout(() => process.exit(0), 200).unref();
      break;
  }
});
// Load the Envoy protos now (the codec loads them lazily) so that cost is not counted as push time.
encodeDiscoveryRequest({ type_url: TypeUrl.Cluster, resource_names: [], version_info: '', response_nonce: '', node: { id: 'warm-up' } });
send({ type: 'ready' });

// The coordinator going away ends the worker too, so no client is left connected.
process.on('disconnect', () => process.exit(0));
