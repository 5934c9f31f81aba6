// Envoy-compatible command line (the subset pilot-agent and users pass); unknown Envoy tuning flags are accepted.
import { Command, InvalidArgumentError } from 'commander';

export interface ProxyOptions {
  configPath: string | undefined;
  configYaml: string | undefined;
  concurrency: number;
  logLevel: string;
  serviceNode: string | undefined;
  serviceCluster: string | undefined;
  drainTimeS: number;
  parentShutdownTimeS: number;
}

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

/** Parses argv (without node and script). Throws a CommanderError on bad input. */
export function parseProxyArgs(argv: string[]): ProxyOptions {
  const cmd = new Command('mesh-proxy')
    .description('Envoy-compatible data plane proxy')
    .exitOverride()
    .option('-c, --config-path <file>', 'bootstrap file (JSON or YAML)')
    .option('--config-yaml <yaml>', 'inline bootstrap YAML merged over the file')
    .option('--concurrency <n>', 'worker threads', int('--concurrency'), 1)
    .option('-l, --log-level <level>', 'trace|debug|info|warning|error|critical|off', 'info')
    .option('--service-node <id>', 'node id (overrides node.id)')
    .option('--service-cluster <name>', 'node cluster (overrides node.cluster)')
    .option('--service-zone <zone>', 'node zone (accepted)')
    .option('--drain-time-s <s>', 'drain time in seconds', int('--drain-time-s'), 600)
    .option('--parent-shutdown-time-s <s>', 'parent shutdown time in seconds', int('--parent-shutdown-time-s'), 900)
    .option('--drain-strategy <s>', 'accepted for compatibility')
    .option('--local-address-ip-version <v>', 'accepted for compatibility')
    .option('--file-flush-interval-msec <ms>', 'accepted for compatibility')
    .option('--disable-hot-restart', 'accepted for compatibility')
    .option('--allow-unknown-static-fields', 'accepted for compatibility')
    .option('--log-format <fmt>', 'accepted for compatibility')
    .option('--component-log-level <spec>', 'accepted for compatibility')
    .option('--restart-epoch <n>', 'accepted for compatibility')
    .option('--base-id <n>', 'accepted for compatibility')
    .option('--use-dynamic-base-id', 'accepted for compatibility')
    .option('--skip-deprecated-logs', 'accepted for compatibility')
    .allowExcessArguments(false);
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{
    configPath?: string;
    configYaml?: string;
    concurrency: number;
    logLevel: string;
    serviceNode?: string;
    serviceCluster?: string;
    drainTimeS: number;
    parentShutdownTimeS: number;
  }>();
  return {
    configPath: o.configPath,
    configYaml: o.configYaml,
    concurrency: o.concurrency,
    logLevel: o.logLevel,
    serviceNode: o.serviceNode,
    serviceCluster: o.serviceCluster,
    drainTimeS: o.drainTimeS,
    parentShutdownTimeS: o.parentShutdownTimeS,
  };
}
