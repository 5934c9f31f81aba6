// The runner needs CAP_NET_ADMIN (bridges, veths, iptables) and CAP_SYS_ADMIN (`ip netns` mounts); without them
// it stops before touching anything, with a message that says what to do.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

/** Effective capability mask of this process, read from /proc/self/status. */
export function effectiveCapabilities(status = readFileSync('/proc/self/status', 'utf8')): bigint {
  const line = status.split('\n').find((l) => l.startsWith('CapEff:'));
  if (!line) return 0n;
  return BigInt('0x' + line.slice('CapEff:'.length).trim());
}

/** Returns why the runner cannot work here, or undefined when it can. */
export function missingPrivileges(caps = effectiveCapabilities()): string | undefined {
  const missing: string[] = [];
  if (!(caps & (1n << CAP_NET_ADMIN))) missing.push('CAP_NET_ADMIN');
  if (!(caps & (1n << CAP_SYS_ADMIN))) missing.push('CAP_SYS_ADMIN');
  if (missing.length > 0) {
    return `the local mesh runner needs root (missing ${missing.join(' and ')}): it creates network namespaces, a bridge and iptables rules. Run it as root, e.g. \`sudo npm run demo\`.`;
  }
  for (const [tool, flag] of [['ip', '-V'], ['iptables', '--version'], ['setpriv', '--version']] as const) {
    try {
      execFileSync(tool, [flag], { stdio: 'ignore' });
    } catch {
      return `the local mesh runner needs the \`${tool}\` command (packages iproute2, iptables, util-linux).`;
    }
  }
  return undefined;
}

/** Throws an error with a clear message when the runner lacks privileges or tools. */
export function assertPrivileges(): void {
  const why = missingPrivileges();
  if (why) throw new Error(why);
}
