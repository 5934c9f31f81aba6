// Test helper: drives testdata/grpc-xds-caller.mjs (a @grpc/grpc-js-xds client in a child process) with JSON commands.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CallCommand {
  target: string;
  calls?: number;
  metadata?: Record<string, string>;
  payload?: string;
  concurrency?: number;
  deadlineMs?: number;
}

export interface CallResult {
  /** Count per outcome: `ok <reply>` or `err <grpc status name>`. */
  results: Record<string, number>;
  /** The first few error details. */
  errors: string[];
}

/** Bootstrap JSON for a proxyless gRPC workload, shaped like upstream's grpc-agent output. */
export function proxylessBootstrap(xdsPort: number, node: { ip: string; pod: string; namespace: string; labels?: Record<string, string> }): string {
  return JSON.stringify({
    xds_servers: [{ server_uri: `127.0.0.1:${xdsPort}`, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
    node: {
      id: `sidecar~${node.ip}~${node.pod}.${node.namespace}~${node.namespace}.svc.cluster.local`,
      metadata: {
        INSTANCE_IPS: node.ip,
        PILOT_SAN: ['istiod.istio-system.svc'],
        GENERATOR: 'grpc',
        NAMESPACE: node.namespace,
        ...(node.labels ? { LABELS: node.labels } : {}),
      },
      locality: {},
      UserAgentVersionType: 'istiov1',
    },
    server_listener_resource_name_template: 'xds.istio.io/grpc/lds/inbound/%s',
  });
}

/** A proxyless gRPC client process; `call` runs a batch of unary calls and returns the outcome counts. */
export class GrpcXdsCaller {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, (r: CallResult) => void>();
  private nextId = 1;
  private buffered = '';
  stderr = '';

  constructor(bootstrap: string) {
    const script = fileURLToPath(new URL('./testdata/grpc-xds-caller.mjs', import.meta.url));
    this.child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: bootstrap } });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString();
      const lines = this.buffered.split('\n');
      this.buffered = lines.pop() ?? '';
      for (const line of lines) {
        const r = JSON.parse(line) as CallResult & { id: number };
        this.pending.get(r.id)?.({ results: r.results, errors: r.errors });
        this.pending.delete(r.id);
      }
    });
  }

  /** Runs the calls; rejects if the caller does not answer within `timeoutMs`. */
  call(cmd: CallCommand, timeoutMs = 30_000): Promise<CallResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`grpc-xds caller: no answer within ${timeoutMs} ms; stderr: ${this.stderr.slice(-2000)}`));
      }, timeoutMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.child.stdin!.write(`${JSON.stringify({ id, ...cmd })}\n`);
    });
  }

  close(): void {
    this.child.stdin?.end();
    setTimeout(() => this.child.kill('SIGKILL'), 2000).unref();
  }
}
