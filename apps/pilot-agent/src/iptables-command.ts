import { runIptablesCli } from '@mesh/iptables';

/**
 * `pilot-agent istio-iptables ...` runs the same init logic as the istio-iptables binary. The
 * arguments go to @mesh/iptables untouched: it parses upstream's pflag syntax (`-b ""`, `-x=""`)
 * itself, which a generic option parser would mangle.
 */
export function runIptables(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runIptablesCli(argv, env);
}
