// Host network setup of a run: the bridge, the VIP blackhole, the no-forwarding guard rules, and one network
// namespace per pod with a veth to the bridge. Every object is recorded in the run registry before it is made.
import { mkdirSync, writeFileSync } from 'node:fs';
import { run } from './command.ts';
import type { SlotNetwork } from './addresses.ts';
import type { RunRegistry } from './run-registry.ts';

/** Creates the slot's bridge with the host address, blackholes the VIP range and forbids forwarding off the bridge. */
export async function createSlotNetwork(reg: RunRegistry, net: SlotNetwork): Promise<void> {
  reg.record({ kind: 'link', name: net.bridge });
  await run('ip', ['link', 'add', net.bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `${net.bridgeIp}/24`, 'dev', net.bridge]);
  await run('ip', ['link', 'set', net.bridge, 'up']);

  const blackhole = ['blackhole', net.vipCidr];
  reg.record({ kind: 'route', args: blackhole });
  await run('ip', ['route', 'add', ...blackhole]);

  // Even if the host forwards for something else, nothing leaves or enters the bridge through another interface.
  for (const rule of [
    ['FORWARD', '-i', net.bridge, '!', '-o', net.bridge, '-j', 'DROP'],
    ['FORWARD', '-o', net.bridge, '!', '-i', net.bridge, '-j', 'DROP'],
  ]) {
    reg.record({ kind: 'iptables', table: 'filter', rule });
    await run('iptables', ['-w', '-t', 'filter', '-I', ...rule]);
  }
}

/** A pod's network namespace as created. */
export interface PodNetns {
  netns: string;
  ip: string;
  hostVeth: string;
}

/**
 * Creates `mesh<slot>-<pod>` with loopback up, eth0 = `ip`/24 (a veth whose host end joins the bridge) and a
 * default route via the bridge address.
 */
export async function createPodNetns(reg: RunRegistry, net: SlotNetwork, pod: string, ip: string): Promise<PodNetns> {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(pod)) throw new Error(`pod name "${pod}": must be a DNS label`);
  const netns = `${net.netnsPrefix}${pod}`;
  const hostVeth = `mv${net.slot}h${ip.split('.')[3] ?? '0'}`;
  reg.record({ kind: 'netns', name: netns });
  await run('ip', ['netns', 'add', netns]);
  // The host end goes with the namespace when it is deleted; recorded anyway for a crash between the two steps.
  reg.record({ kind: 'link', name: hostVeth });
  await run('ip', ['link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  await run('ip', ['link', 'set', hostVeth, 'master', net.bridge, 'up']);
  await run('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  await run('ip', ['-n', netns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  await run('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
  await run('ip', ['-n', netns, 'route', 'add', 'default', 'via', net.bridgeIp]);
  // Fast, local-only name resolution: unknown names fail at once instead of waiting on a resolver.
  mkdirSync(`/etc/netns/${netns}`, { recursive: true });
  writeFileSync(`/etc/netns/${netns}/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  return { netns, ip, hostVeth };
}
