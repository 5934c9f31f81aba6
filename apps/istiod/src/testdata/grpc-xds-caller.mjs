// Test fixture: a proxyless gRPC client (@grpc/grpc-js-xds), run as a child process because grpc-js-xds cannot be
// loaded under vitest. The bootstrap comes from GRPC_XDS_BOOTSTRAP_CONFIG, as a grpc-agent would provide it.
// Protocol: one JSON command per stdin line
//   {"id": 1, "target": "xds:///svc.ns.svc.cluster.local:7070", "calls": 100, "metadata": {"k": "v"},
//    "payload": "hi", "concurrency": 10, "deadlineMs": 3000}
// and one JSON answer per stdout line: {"id": 1, "results": {"ok <reply>": n, "err <code>": m}, "errors": [...]}.
// Bounded: at most 5000 calls per command; the process exits when stdin closes.
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';
import { createInterface } from 'node:readline';

grpcXds.register();
const clients = new Map();
const identity = (b) => b;

function clientFor(target) {
  let c = clients.get(target);
  if (!c) {
    c = new grpc.Client(target, grpc.credentials.createInsecure());
    clients.set(target, c);
  }
  return c;
}

function callOnce(client, cmd) {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(cmd.metadata ?? {})) md.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest('/test.Echo/Say', identity, identity, Buffer.from(cmd.payload ?? 'hi'), md, { deadline: Date.now() + (cmd.deadlineMs ?? 3000) }, (err, value) =>
      resolve(err ? { key: `err ${grpc.status[err.code] ?? err.code}`, message: err.details } : { key: `ok ${value.toString()}` }),
    );
  });
}

async function run(cmd) {
  const client = clientFor(cmd.target);
  const results = {};
  const errors = [];
  const total = Math.min(cmd.calls ?? 1, 5000);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const r = await callOnce(client, cmd);
      results[r.key] = (results[r.key] ?? 0) + 1;
      if (r.message && errors.length < 5) errors.push(r.message);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(cmd.concurrency ?? 1, 50)) }, worker));
  return { id: cmd.id, results, errors };
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  let cmd;
  try {
    cmd = JSON.parse(line);
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ id: null, error: String(err) })}\n`);
    return;
  }
  run(cmd).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
});
rl.on('close', () => {
  for (const c of clients.values()) c.close();
  process.exit(0);
});
