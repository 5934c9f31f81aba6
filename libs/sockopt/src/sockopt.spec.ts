import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOriginalDst, setTransparent, socketFd } from './index.ts';

const probe = fileURLToPath(new URL('./fixtures/original-dst-probe.ts', import.meta.url));
const ns = `mesh-sockopt-${process.pid}`;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
function inNs(cmd: string, ...args: string[]): string {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
}
function runProbe(...args: string[]): Record<string, unknown> {
  const out = inNs(process.execPath, '--conditions=@mesh/source', probe, ...args);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

describe('sockopt in a network namespace with real iptables REDIRECT', () => {
  beforeAll(() => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (network namespaces + iptables); run it as root');
    try {
      sh('ip', ['netns', 'add', ns]);
    } catch (err) {
      throw new Error(`cannot create network namespace ${ns} (need CAP_SYS_ADMIN and iproute2): ${String(err)}`);
    }
    inNs('ip', 'link', 'set', 'lo', 'up');
    // A veth pair whose both ends stay inside the namespace gives routes to a "remote" address.
    inNs('ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb');
    inNs('ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'va');
    inNs('ip', '-6', 'addr', 'add', 'fd99::2/64', 'dev', 'va', 'nodad');
    inNs('ip', 'link', 'set', 'va', 'up');
    inNs('ip', 'link', 'set', 'vb', 'up');
    inNs('iptables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-d', '10.99.0.1', '-j', 'REDIRECT', '--to-ports', '15001');
    inNs('ip6tables', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-d', 'fd99::1', '-j', 'REDIRECT', '--to-ports', '15001');
  });

  afterAll(() => {
    try {
      sh('ip', ['netns', 'del', ns]);
    } catch {
      // already gone
    }
  });

  it('reads the IPv4 original destination of a REDIRECTed connection', () => {
    const result = runProbe('127.0.0.1', '15001', '10.99.0.1', '8080');
    expect(result).toMatchObject({ accepted: true, originalDst: { address: '10.99.0.1', port: 8080, family: 'IPv4' } });
  });

  it('reads the IPv6 original destination of a REDIRECTed connection', () => {
    const result = runProbe('::1', '15001', 'fd99::1', '9090');
    expect(result).toMatchObject({ accepted: true, originalDst: { address: 'fd99::1', port: 9090, family: 'IPv6' } });
  });

  it('reads the original destination through a dual-stack listener', () => {
    const result = runProbe('::', '15001', '10.99.0.1', '7070');
    expect(result).toMatchObject({ originalDst: { address: '10.99.0.1', port: 7070 } });
  });
});

describe('sockopt on loopback without redirection', () => {
  it('fails with a clear error when the connection was not redirected', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect(port, '127.0.0.1');
    const socket = await accepted;
    expect(() => getOriginalDst(socket)).toThrow(/SO_ORIGINAL_DST/);
    client.destroy();
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sets IP_TRANSPARENT on a listening server (root)', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    expect(socketFd(server)).toBeGreaterThan(2);
    expect(() => setTransparent(server)).not.toThrow();
    expect(() => setTransparent(server, false)).not.toThrow();
    await new Promise((resolve) => server.close(resolve));
  });

  it('rejects sockets that have no file descriptor', () => {
    const socket = new net.Socket();
    expect(() => getOriginalDst(socket)).toThrow(/no file descriptor/);
  });
});
