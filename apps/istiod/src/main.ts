// istiod: the control plane. Flags follow upstream's pilot-discovery where they exist; --configDir selects local mode.
import { Command } from 'commander';
import { startIstiod } from './server.ts';

const env = process.env;
const program = new Command('istiod')
  .description('Istio control plane: config watch, xDS, injection and validation webhooks, CA')
  .option('--configDir <dir>', 'read config from a directory of Kubernetes-shaped YAML instead of the Kubernetes API')
  .option('--kubeconfig <file>', 'kubeconfig file (default: in-cluster, then KUBECONFIG)')
  .option('--grpcAddr <addr>', 'plaintext xDS (ADS) address', ':15010')
  .option('--secureGRPCAddr <addr>', 'TLS xDS (ADS) and CA address; empty disables', ':15012')
  .option('--securityDir <dir>', 'local mode: CA token issuer key and root-cert.pem (default <configDir>-security)')
  .option('--httpAddr <addr>', 'readiness and debug address', ':8080')
  .option('--monitoringAddr <addr>', 'metrics and debug address', ':15014')
  .option('--httpsAddr <addr>', 'injection and validation webhook address (TLS)', ':15017')
  .option('--meshConfig <file>', 'mesh config file', env['MESH_CONFIG_FILE'])
  .option('--istioNamespace <ns>', 'the namespace istiod runs in', env['POD_NAMESPACE'] ?? 'istio-system')
  .option('--revision <rev>', 'control plane revision', env['REVISION'] ?? 'default')
  .option('--log_output_level <level>', 'log level (debug, info, warn, error)', 'info')
  .allowUnknownOption(false);

program.parse(process.argv);
const o = program.opts<{
  configDir?: string;
  kubeconfig?: string;
  grpcAddr: string;
  secureGRPCAddr: string;
  securityDir?: string;
  httpAddr: string;
  monitoringAddr: string;
  httpsAddr: string;
  meshConfig?: string;
  istioNamespace: string;
  revision: string;
  log_output_level: string;
}>();

const istiod = await startIstiod({
  ...(o.configDir ? { configDir: o.configDir } : {}),
  ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
  grpcAddr: o.grpcAddr,
  secureGrpcAddr: o.secureGRPCAddr,
  ...(o.securityDir ? { securityDir: o.securityDir } : {}),
  httpAddr: o.httpAddr,
  monitoringAddr: o.monitoringAddr,
  httpsAddr: o.httpsAddr,
  ...(o.meshConfig ? { meshConfigFile: o.meshConfig } : {}),
  istioNamespace: o.istioNamespace,
  revision: o.revision,
  podName: env['POD_NAME'] ?? 'istiod',
  logLevel: o.log_output_level.replace(/^.*:/, ''),
});

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  istiod.logger.info({ signal }, 'istiod: shutting down');
  void istiod.close().finally(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
