// Entry point for pilot-agent. Wiring only: flags, lifecycle; logic lives in @mesh/agent.
import { Command, InvalidArgumentError } from 'commander';
import { runIptables } from './iptables-command.ts';
import { AGENT_VERSION, runProxy } from './proxy-command.ts';
import { runRequest } from './request-command.ts';
import { runWait } from './wait-command.ts';

function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

function fail(err: unknown): never {
  process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

const program = new Command('pilot-agent').description('Istio-compatible sidecar and gateway agent').showHelpAfterError();

program
  .command('proxy')
  .description('run the agent and its proxy (sidecar | router | waypoint)')
  .argument('[type]', 'proxy type', 'sidecar')
  .option('--domain <domain>', 'DNS domain suffix (default <namespace>.svc.cluster.local)')
  .option('--concurrency <n>', 'proxy worker threads', int('--concurrency'))
  .option('--proxyLogLevel <level>', 'proxy log level', 'warning')
  .option('--proxyComponentLogLevel <levels>', 'per-component proxy log levels', 'misc:error')
  .option('--log_output_level <levels>', 'agent log level (scope:level,...)', 'default:info')
  .option('--templateFile <path>', 'custom bootstrap template (not supported)')
  .option('--outlierLogPath <path>', 'outlier detection event log path')
  .option('--stsPort <port>', 'STS server port for telemetry', int('--stsPort'))
  .option('--meshConfig <path>', 'mesh config file (defaultConfig is the ProxyConfig base)', './etc/istio/config/mesh')
  .option('--statusPort <port>', 'agent status port (overrides ProxyConfig.statusPort)', int('--statusPort'))
  .option('--statusHost <host>', 'address the status server binds', '0.0.0.0')
  .option('--envoyStatusPort <port>', 'proxy health listener port', int('--envoyStatusPort'), 15021)
  .option('--envoyPrometheusPort <port>', 'proxy Prometheus listener port', int('--envoyPrometheusPort'), 15090)
  .option('--root <dir>', 'directory the ./etc and ./var paths are relative to', '.')
  .action(async (type: string, o: Record<string, unknown>) => {
    try {
      await runProxy(type, {
        root: String(o['root']),
        envoyStatusPort: o['envoyStatusPort'] as number,
        envoyPrometheusPort: o['envoyPrometheusPort'] as number,
        proxyLogLevel: String(o['proxyLogLevel']),
        statusHost: String(o['statusHost']),
        ...(o['domain'] ? { domain: String(o['domain']) } : {}),
        ...(o['statusPort'] !== undefined ? { statusPort: o['statusPort'] as number } : {}),
        ...(o['concurrency'] !== undefined ? { concurrency: o['concurrency'] as number } : {}),
        ...(o['proxyComponentLogLevel'] ? { proxyComponentLogLevel: String(o['proxyComponentLogLevel']) } : {}),
        ...(o['log_output_level'] ? { logOutputLevel: String(o['log_output_level']) } : {}),
        ...(o['templateFile'] ? { templateFile: String(o['templateFile']) } : {}),
        ...(o['outlierLogPath'] ? { outlierLogPath: String(o['outlierLogPath']) } : {}),
        ...(o['stsPort'] !== undefined ? { stsPort: o['stsPort'] as number } : {}),
        ...(o['meshConfig'] ? { meshConfig: String(o['meshConfig']) } : {}),
      });
    } catch (err) {
      fail(err);
    }
  });

// Listed for help only: the arguments are handed to @mesh/iptables before commander sees them.
program.command('istio-iptables').description('set up iptables traffic capture (same flags as istio-iptables)');

program
  .command('request')
  .description('send an HTTP request to the local proxy admin (or --debug-port)')
  .argument('<method>')
  .argument('<path>')
  .argument('[body]')
  .option('--debug-port <port>', 'local port to call', int('--debug-port'), 15000)
  .action(async (method: string, path: string, body: string | undefined, o: { debugPort: number }) => {
    try {
      const status = await runRequest(method, path, body, o.debugPort);
      if (status < 200 || status >= 300) process.exitCode = 1;
    } catch (err) {
      fail(err);
    }
  });

program
  .command('wait')
  .description('wait until the proxy is ready')
  .option('--timeoutSeconds <s>', 'give up after this many seconds', int('--timeoutSeconds'), 60)
  .option('--requestTimeoutMillis <ms>', 'per-request timeout', int('--requestTimeoutMillis'), 500)
  .option('--periodMillis <ms>', 'poll period', int('--periodMillis'), 500)
  .option('--url <url>', 'readiness URL', 'http://localhost:15020/healthz/ready')
  .action(async (o: { timeoutSeconds: number; requestTimeoutMillis: number; periodMillis: number; url: string }) => {
    const ready = await runWait(o.url, o.timeoutSeconds, o.periodMillis, o.requestTimeoutMillis);
    if (!ready) fail(`timeout waiting for ${o.url} after ${o.timeoutSeconds}s`);
    process.stdout.write('Envoy is ready!\n');
  });

program
  .command('version')
  .description('print the version')
  .option('-s, --short', 'print only the version')
  .action((o: { short?: boolean }) => {
    process.stdout.write(o.short ? `${AGENT_VERSION}\n` : `version.BuildInfo{Version:"${AGENT_VERSION}", Component:"pilot-agent"}\n`);
  });

if (process.argv[2] === 'istio-iptables') {
  try {
    process.exitCode = await runIptables(process.argv.slice(3));
  } catch (err) {
    fail(err);
  }
} else {
  await program.parseAsync(process.argv);
}
