import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appCommand } from '@mesh/testing';
import { afterAll, describe, expect, it } from 'vitest';

function run(args: string[], env: Record<string, string> = {}) {
  const { command, args: full } = appCommand('istio-iptables', args);
  return spawnSync(command, full, { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
}

const dir = mkdtempSync(join(tmpdir(), 'istio-iptables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('istio-iptables binary', () => {
  it('prints the dry-run transcript to stdout and DRY_RUN_FILE_PATH, logs to stderr', () => {
    const file = join(dir, 'dry-run.txt');
    const res = run(['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--dry-run'], {
      DRY_RUN_IPV6: 'false',
      DRY_RUN_FILE_PATH: file,
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.split('\n')[0]).toBe('iptables-save');
    expect(res.stdout).toContain('-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN');
    expect(res.stdout).toContain('-A ISTIO_OUTPUT -j ISTIO_REDIRECT');
    expect(readFileSync(file, 'utf8')).toBe(res.stdout);
    expect(res.stderr).toContain('dry-run');
  });

  it('emits IPv6 rules when DRY_RUN_IPV6=true', () => {
    const res = run(['-u', '1337', '-b', '*', '-n'], { DRY_RUN_IPV6: 'true' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout).toContain('-A ISTIO_OUTPUT -o lo -s ::6/128 -j RETURN');
    expect(res.stdout.trim().split('\n').slice(-2)).toEqual(['iptables-save', 'ip6tables-save']);
  });

  it('exits 1 with the offending flag named', () => {
    const res = run(['--no-such-flag', '-n']);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('unknown flag: --no-such-flag');
    const bad = run(['-n', '-x', '*', '-u', '1337'], { DRY_RUN_IPV6: 'false' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--istio-service-exclude-cidr');
  });

  it('prints usage for --help', () => {
    const res = run(['--help']);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('--istio-inbound-ports');
    expect(res.stdout).toContain('ISTIO_INBOUND_PORTS');
  });
});
