// `npm run demo`: Bookinfo on a local mesh (istiod, sidecars, ingress gateway) in network namespaces on this machine.
// Prints the productpage URL and a short traffic summary, then runs until Ctrl-C; every namespace, bridge, rule and
// process it made is removed on exit, and by its reaper if it is killed.
import { parseArgs } from 'node:util';
import { startBookinfo } from './bookinfo.ts';
import { getPage } from './bookinfo-page.ts';
import { LocalMesh } from './local-mesh.ts';
import { missingPrivileges } from './privileges.ts';
import { pageEventually } from './traffic.ts';
import { createServer } from 'node:net';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write('usage: npm run demo [-- --port 8080]   (root required; Ctrl-C stops and cleans up)\n');
  process.exit(0);
}
const why = missingPrivileges();
if (why) {
  process.stderr.write(`demo: ${why}\n`);
  process.exit(1);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

const say = (line: string) => process.stdout.write(line + '\n');
const wanted = Number(values.port);
if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
  process.stderr.write(`demo: --port ${values.port}: must be a port number 0..65535\n`);
  process.exit(2);
}
const port = (await portFree(wanted)) ? wanted : 0;
if (port !== wanted) say(`port ${wanted} is busy; using a free port instead`);

const mesh = await LocalMesh.create();
let stopping = false;
async function shutdown(code: number, reason: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(`\n${reason}: stopping the mesh and removing its namespaces, bridge, rules and processes...`);
    const problems = await mesh.stop();
    say(problems.length === 0 ? 'clean.' : `could not remove:\n  ${problems.join('\n  ')}`);
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0, 'interrupted'));
process.on('SIGTERM', () => void shutdown(0, 'terminated'));
process.on('uncaughtException', (err) => {
  process.stderr.write(`demo: ${err.stack ?? String(err)}\n`);
  void shutdown(1, 'crashed');
});

try {
  say(`mesh slot ${mesh.reg.slot}: bridge ${mesh.net.bridge}, pods ${mesh.net.podCidr}, service VIPs ${mesh.net.vipCidr}; logs in ${mesh.workDir}`);
  say('starting istiod, Bookinfo with sidecars and the ingress gateway...');
  const { gatewayPort } = await startBookinfo(mesh, { gatewayPort: port });
  const url = `http://127.0.0.1:${gatewayPort}/productpage`;
  // Every sidecar has its routes once several pages in a row show details, reviews and (v2/v3) ratings.
  await pageEventually(gatewayPort, (p) => p.status === 200 && !p.detailsError && !p.reviewsError && !p.ratingsUnavailable, { timeoutMs: 120_000, what: `${url} to show details, reviews and ratings` });
  const seen: Record<string, number> = {};
  let failures = 0;
  for (let i = 0; i < 12; i++) {
    const p = await getPage(gatewayPort).catch(() => undefined);
    if (!p || p.status !== 200 || p.reviewsError) {
      failures++;
      continue;
    }
    const key = `reviews-${p.reviewsVersion ?? '?'} (${p.stars === 'none' ? 'no stars' : `${p.stars} stars`})`;
    seen[key] = (seen[key] ?? 0) + 1;
  }
  say('');
  say(`Bookinfo is up:  curl ${url}`);
  say(`traffic summary (12 requests through the ingress gateway): ${Object.entries(seen).map(([k, n]) => `${k}: ${n}`).join(', ')}${failures ? `, failed: ${failures}` : ''}`);
  say(`Istio config directory (istiod watches it; drop upstream YAML here): ${mesh.config.dir}/istio`);
  say('press Ctrl-C to stop');
  setInterval(() => undefined, 1 << 30);
} catch (err) {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1, 'failed');
}
