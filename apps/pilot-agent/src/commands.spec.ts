import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appCommand } from '@mesh/testing';

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string; err: string }> {
  const { command, args: full } = appCommand(bin, args);
  return new Promise((resolve) => {
    const p = spawn(command, full, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => resolve({ code, out, err }));
  });
}

let server: Server;
let port = 0;
let ready = false;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/healthz/ready') {
      res.statusCode = ready ? 200 : 503;
      res.end();
    } else {
      res.end(`${req.method} ${req.url}\n`);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server?.close());

describe('pilot-agent commands', () => {
  it('istio-iptables gives the same dry-run rules as the istio-iptables binary', async () => {
    const args = ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--dry-run'];
    const viaAgent = await run('pilot-agent', ['istio-iptables', ...args]);
    const direct = await run('istio-iptables', args);
    expect(viaAgent.code).toBe(0);
    expect(viaAgent.out).toContain('-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001');
    expect(viaAgent.out).toBe(direct.out);
  });

  it('request calls the local admin port and refuses other ports', async () => {
    const env = { ...process.env, PILOT_AGENT_ALLOW_ANY_DEBUG_PORT: 'true' };
    const ok = await run('pilot-agent', ['request', 'POST', 'logging?level=debug', '--debug-port', String(port)], env);
    expect(ok.code).toBe(0);
    expect(ok.out).toBe('POST /logging?level=debug\n');
    const refused = await run('pilot-agent', ['request', 'GET', 'stats', '--debug-port', '8080']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/--debug-port 8080: must be one of 15000, 15020, 15021, 15004/);
  });

  it('wait returns once ready and fails after its timeout', async () => {
    ready = false;
    const timedOut = await run('pilot-agent', ['wait', '--url', `http://127.0.0.1:${port}/healthz/ready`, '--timeoutSeconds', '1', '--periodMillis', '100']);
    expect(timedOut.code).toBe(1);
    expect(timedOut.err).toMatch(/timeout waiting/);
    ready = true;
    const ok = await run('pilot-agent', ['wait', '--url', `http://127.0.0.1:${port}/healthz/ready`, '--timeoutSeconds', '5', '--periodMillis', '100']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/Envoy is ready!/);
  });

  it('version prints the agent version', async () => {
    const v = await run('pilot-agent', ['version', '--short']);
    expect(v.code).toBe(0);
    expect(v.out.trim()).toMatch(/^1\.\d+\.\d+/);
  });

  it('proxy rejects a malformed PROXY_CONFIG with the source and reason', async () => {
    const r = await run('pilot-agent', ['proxy', 'sidecar', '--root', '/nonexistent-root'], { ...process.env, PROXY_CONFIG: 'a: [unclosed' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/PROXY_CONFIG: not a valid ProxyConfig/);
  });

  it('proxy rejects an unknown proxy type', async () => {
    const r = await run('pilot-agent', ['proxy', 'bogus']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/proxy type "bogus": must be one of sidecar, router, waypoint/);
  });
});
