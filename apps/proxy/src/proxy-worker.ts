// A --concurrency worker thread: its own runtime on SO_REUSEPORT listeners, fed snapshots by the main thread,
// reporting its stats back once a second.
import { parentPort, workerData } from 'node:worker_threads';
import { DataplaneRuntime } from '@mesh/dataplane';
import { createLogger } from '@mesh/telemetry';
import type { XdsSnapshot } from '@mesh/xds';
import type { WorkerMessage, WorkerReport } from './worker-messages.ts';

const { id, logLevel } = workerData as { id: number; logLevel: string };
const log = createLogger(`mesh-proxy-worker-${id}`, logLevel);
const runtime = new DataplaneRuntime({ logger: log, reusePort: true, workerId: id });
const port = parentPort;

function report(): void {
  const msg: WorkerReport = { kind: 'stats', id, entries: runtime.stats.local() };
  port?.postMessage(msg);
}

port?.on('message', (m: WorkerMessage) => {
  if (m.kind === 'apply') {
    void runtime.apply(m.snapshot as XdsSnapshot).then((r) => {
      const msg: WorkerReport = { kind: 'applied', id, seq: m.seq, errors: r.ok ? [] : r.errors };
      port.postMessage(msg);
    });
  } else if (m.kind === 'drain') {
    runtime.drainListeners(m.inboundOnly);
  } else if (m.kind === 'stop') {
    void runtime.close().then(() => process.exit(0));
  }
});

setInterval(report, 1000).unref();
