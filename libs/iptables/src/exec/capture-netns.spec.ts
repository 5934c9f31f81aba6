// Acceptance test: istio-iptables applied in a real network namespace captures real traffic.
import { appCommand, repoRoot } from '@mesh/testing';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Netns, normalizedSave, requireRootAndNetns, rulesAndCustomChains } from '../testing/netns.ts';

const peerScript = resolve(repoRoot, 'libs/sockopt/src/fixtures/netns-peer.ts');
// The injector's real-world invocation (CASES.md §3), plus an excluded outbound port.
const INIT_ARGS = ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '-o', '9999'];

interface Reply {
  ok: boolean;
  error?: string;
  reply?: { tag: string; originalDst: { address: string; port: number } | null; localPort: number };
}

describe('istio-iptables in a network namespace', () => {
  let app: Netns;
  let peer: Netns;
  let pristine: string;

  function istioIptables(ns: Netns, args: string[], opts: { uid?: number } = {}): { code: number; stdout: string; stderr: string } {
    const { command, args: full } = appCommand('istio-iptables', args);
    return ns.run(command, full, opts);
  }
  function connect(from: Netns, host: string, port: number, uid?: number): Reply {
    const res = from.run(process.execPath, ['--conditions=@mesh/source', peerScript, 'connect', host, String(port), '2000'], { uid });
    return JSON.parse(res.stdout.trim() || `{"ok":false,"error":${JSON.stringify(res.stderr)}}`) as Reply;
  }

  beforeAll(async () => {
    requireRootAndNetns();
    app = new Netns(`mesh-ipt-app-${process.pid}`);
    peer = new Netns(`mesh-ipt-peer-${process.pid}`);
    // A veth pair between the two test namespaces; nothing touches the host's interfaces.
    app.exec('ip', 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', peer.name);
    app.exec('ip', 'addr', 'add', '10.99.0.2/24', 'dev', 'va');
    app.exec('ip', 'link', 'set', 'va', 'up');
    peer.exec('ip', 'addr', 'add', '10.99.0.1/24', 'dev', 'vb');
    peer.exec('ip', 'link', 'set', 'vb', 'up');
    pristine = normalizedSave(app, 'iptables-save');
    await Promise.all([
      peer.startNode(peerScript, ['serve', '0.0.0.0', '8080', 'peer']),
      peer.startNode(peerScript, ['serve', '0.0.0.0', '9999', 'peer-9999']),
      app.startNode(peerScript, ['serve', '0.0.0.0', '15001', 'proxy-outbound']),
      app.startNode(peerScript, ['serve', '0.0.0.0', '15006', 'proxy-inbound']),
      app.startNode(peerScript, ['serve', '0.0.0.0', '8080', 'app-8080']),
      app.startNode(peerScript, ['serve', '0.0.0.0', '15020', 'app-15020']),
    ]);
  });

  afterAll(async () => {
    await app?.destroy();
    await peer?.destroy();
  });

  it('reaches the peer directly before any rules exist', () => {
    expect(connect(app, '10.99.0.1', 8080).reply?.tag).toBe('peer');
  });

  it('applies the rules with iptables-restore', () => {
    const res = istioIptables(app, INIT_ARGS);
    expect(res.code, res.stderr).toBe(0);
    const saved = app.exec('iptables-save', '-t', 'nat');
    expect(saved).toContain(':ISTIO_OUTPUT');
    expect(saved).toMatch(/-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001/);
  });

  it('redirects the app\'s outbound connection to 15001 and keeps the original destination', () => {
    const res = connect(app, '10.99.0.1', 8080);
    expect(res.reply?.tag, res.error).toBe('proxy-outbound');
    expect(res.reply?.originalDst).toEqual({ address: '10.99.0.1', port: 8080, family: 'IPv4' });
  });

  it('lets the proxy UID 1337 through', () => {
    const res = connect(app, '10.99.0.1', 8080, 1337);
    expect(res.reply?.tag, res.error).toBe('peer');
  });

  it('lets excluded outbound ports through', () => {
    expect(connect(app, '10.99.0.1', 9999).reply?.tag).toBe('peer-9999');
  });

  it('redirects inbound connections to 15006 with the original destination', () => {
    const res = connect(peer, '10.99.0.2', 8080);
    expect(res.reply?.tag, res.error).toBe('proxy-inbound');
    expect(res.reply?.originalDst).toEqual({ address: '10.99.0.2', port: 8080, family: 'IPv4' });
  });

  it('lets excluded inbound ports through', () => {
    expect(connect(peer, '10.99.0.2', 15020).reply?.tag).toBe('app-15020');
  });

  it('is idempotent: a re-run leaves iptables-save unchanged', () => {
    const before4 = normalizedSave(app, 'iptables-save');
    const before6 = normalizedSave(app, 'ip6tables-save');
    const res = istioIptables(app, INIT_ARGS);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/nothing applied|compatible residues/);
    expect(normalizedSave(app, 'iptables-save')).toBe(before4);
    expect(normalizedSave(app, 'ip6tables-save')).toBe(before6);
  });

  it('reconciles drifted rules with --reconcile', () => {
    app.exec('iptables', '-t', 'nat', '-A', 'ISTIO_INBOUND', '-p', 'tcp', '--dport', '123', '-j', 'ACCEPT');
    const res = istioIptables(app, [...INIT_ARGS, '--reconcile']);
    expect(res.code, res.stderr).toBe(0);
    expect(app.exec('iptables-save', '-t', 'nat')).not.toContain('--dport 123');
    expect(connect(app, '10.99.0.1', 8080).reply?.tag).toBe('proxy-outbound');
    // Guardrails are gone again.
    expect(app.exec('iptables-save', '-t', 'filter')).not.toContain('DROP');
  });

  it('passes --run-validation as the proxy user while the rules are in place', async () => {
    await app.stopChildren(); // the probe needs ports 15001/15006 itself
    const res = istioIptables(app, [...INIT_ARGS, '--skip-rule-apply', '--run-validation', '--probe-timeout', '5s'], { uid: 1337 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('validation passed');
  });

  it('--cleanup-only leaves clean tables', () => {
    const res = istioIptables(app, [...INIT_ARGS, '--cleanup-only']);
    expect(res.code, res.stderr).toBe(0);
    expect(rulesAndCustomChains(app.exec('iptables-save'))).toEqual(rulesAndCustomChains(pristine));
    expect(rulesAndCustomChains(app.exec('iptables-save'))).toEqual([]);
    expect(rulesAndCustomChains(app.exec('ip6tables-save'))).toEqual([]);
    expect(connect(app, '10.99.0.1', 8080).reply?.tag).toBe('peer');
  });

  it('fails --run-validation with exit code 126 when nothing is captured', () => {
    const res = istioIptables(app, [...INIT_ARGS, '--skip-rule-apply', '--run-validation', '--probe-timeout', '1500ms'], { uid: 1337 });
    expect(res.code).toBe(126);
    expect(res.stderr).toContain('iptables validation failed');
  });
});
