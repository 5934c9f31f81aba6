import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { appCommand, repoRoot } from '@mesh/testing';
import { describe, expect, it } from 'vitest';
import { runIptablesCli } from './cli.ts';
import type { MachineProbes } from './exec/environment.ts';
import { upstreamCases } from './testing/upstream-cases.ts';

const upstreamDir = resolve(repoRoot, '../shared/istio/iptables');
const cases = upstreamCases(upstreamDir);

// A dry run must not depend on this machine: every fact comes from flags and DRY_RUN_* variables.
const noMachine: MachineProbes = {
  lookupUid: () => {
    throw new Error('dry run looked up a user');
  },
  localAddresses: () => {
    throw new Error('dry run probed interfaces');
  },
  dnsServers: () => {
    throw new Error('dry run read resolv.conf');
  },
};

async function dryRun(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runIptablesCli(argv, env, { stdout: (t) => (out += t), stderr: (t) => (err += t), probes: noMachine });
  return { code, out, err };
}

describe('upstream capture goldens (library)', () => {
  it('finds the goldens', () => {
    expect(cases.length).toBeGreaterThanOrEqual(18);
  });

  it.each(cases)('$name', async ({ argv, env, goldenPath }) => {
    const { code, out, err } = await dryRun(argv, env);
    expect(code, err).toBe(0);
    expect(out.trim()).toBe(readFileSync(goldenPath, 'utf8').trim());
  });
});

describe('upstream capture goldens (real istio-iptables process)', () => {
  // Spawning is slow on shared CPUs; a spread of cases covers REDIRECT, TPROXY, IPv6 and DNS.
  const picked = cases.filter((c) => ['inbound-ports-tproxy', 'ip-range', 'ipv6-ipnets', 'outbound-owner-groups'].includes(c.name));

  it.each(picked)('$name', ({ argv, env, goldenPath }) => {
    const { command, args } = appCommand('istio-iptables', argv);
    const res = spawnSync(command, args, { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(readFileSync(goldenPath, 'utf8').trim());
  });
});
