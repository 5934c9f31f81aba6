// Acceptance test for TPROXY interception: mangle rules + fwmark routing deliver inbound connections to a
// transparent listener on 15006 with the original destination as its local address.
import { appCommand, repoRoot } from '@mesh/testing';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, requireRootAndNetns, rulesAndCustomChains } from '../testing/netns.ts';

const peerScript = resolve(repoRoot, 'libs/sockopt/src/fixtures/netns-peer.ts');
const ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'TPROXY', '-i', '*', '-b', '*', '-d', '15020'];

describe('istio-iptables TPROXY mode in a network namespace', () => {
  let app: Netns;
  let peer: Netns;

  const cli = (args: string[]) => {
    const { command, args: full } = appCommand('istio-iptables', args);
    return app.run(command, full);
  };
  const connect = (host: string, port: number) => {
    const res = peer.run(process.execPath, ['--conditions=@mesh/source', peerScript, 'connect', host, String(port), '2000']);
    return JSON.parse(res.stdout.trim() || '{"ok":false}') as { ok: boolean; error?: string; reply?: { tag: string; localAddress: string; localPort: number } };
  };

  beforeAll(async () => {
    requireRootAndNetns();
    app = new Netns(`mesh-tp-app-${process.pid}`);
    peer = new Netns(`mesh-tp-peer-${process.pid}`);
    app.exec('ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', peer.name);
    app.exec('ip', 'addr', 'add', '10.98.0.2/24', 'dev', 'va');
    app.exec('ip', 'link', 'set', 'va', 'up');
    peer.exec('ip', 'addr', 'add', '10.98.0.1/24', 'dev', 'vb');
    peer.exec('ip', 'link', 'set', 'vb', 'up');
    await Promise.all([
      app.startNode(peerScript, ['tserve', '0.0.0.0', '15006', 'proxy-inbound-tproxy']),
      app.startNode(peerScript, ['serve', '0.0.0.0', '15020', 'app-15020']),
    ]);
  });

  afterAll(async () => {
    await app?.destroy();
    await peer?.destroy();
  });

  it('programs mangle TPROXY rules and the fwmark routing table', () => {
    const res = cli(ARGS);
    expect(res.code, res.stderr).toBe(0);
    expect(app.exec('iptables-save', '-t', 'mangle')).toMatch(/-j TPROXY --on-port 15006 --on-ip 0\.0\.0\.0 --tproxy-mark 0x539\/0xffffffff/);
    expect(app.exec('ip', 'rule', 'show')).toMatch(/fwmark 0x539 lookup 133/);
    expect(app.exec('ip', 'route', 'show', 'table', '133')).toMatch(/local default dev lo/);
  });

  it('delivers inbound connections to the transparent listener with the original destination', () => {
    const res = connect('10.98.0.2', 8080);
    expect(res.reply?.tag, res.error).toBe('proxy-inbound-tproxy');
    expect(res.reply?.localAddress).toBe('10.98.0.2');
    expect(res.reply?.localPort).toBe(8080);
  });

  it('lets excluded inbound ports through', () => {
    expect(connect('10.98.0.2', 15020).reply?.tag).toBe('app-15020');
  });

  it('re-runs without duplicating the routing rule, and cleans up everything', () => {
    expect(cli(ARGS).code).toBe(0);
    expect(app.exec('ip', 'rule', 'show').match(/fwmark 0x539/g)).toHaveLength(1);
    const res = cli([...ARGS, '--cleanup-only']);
    expect(res.code, res.stderr).toBe(0);
    expect(rulesAndCustomChains(app.exec('iptables-save'))).toEqual([]);
    expect(app.exec('ip', 'rule', 'show')).not.toMatch(/fwmark 0x539/);
  });
});
