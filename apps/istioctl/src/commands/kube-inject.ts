// istioctl kube-inject: injects the sidecar into workloads in a YAML file (or stdin) using the injector
// defaults, or the mesh config / injector config / values files given as flags.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { kubeInject, loadInjectConfig } from '@mesh/inject';

interface KubeInjectOptions {
  filename?: string;
  output?: string;
  meshConfigFile?: string;
  injectConfigFile?: string;
  valuesFile?: string;
  revision?: string;
}

function readInput(file: string): string {
  return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
}

function readOptional(file: string | undefined, flag: string): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${flag} ${file}: ${(e as Error).message}`);
  }
}

/** Runs kube-inject with parsed options; returns the process exit code. */
export function runKubeInject(opts: KubeInjectOptions): number {
  if (!opts.filename) {
    process.stderr.write('Error: filename not specified (use -f <file>, or -f - for stdin)\n');
    return 1;
  }
  try {
    const config = loadInjectConfig({
      meshConfig: readOptional(opts.meshConfigFile, '--meshConfigFile'),
      injectConfig: readOptional(opts.injectConfigFile, '--injectConfigFile'),
      values: readOptional(opts.valuesFile, '--valuesFile'),
    });
    if (opts.revision !== undefined && opts.revision !== 'default') config.values['revision'] = opts.revision;
    const source = opts.filename === '-' ? '<stdin>' : opts.filename;
    const result = kubeInject(readInput(opts.filename), config, source);
    for (const w of result.warnings) process.stderr.write(w + '\n');
    if (opts.output) writeFileSync(opts.output, result.output);
    else process.stdout.write(result.output);
    return 0;
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    return 1;
  }
}

/** Registers `istioctl kube-inject`. */
export function register(program: Command): void {
  program
    .command('kube-inject')
    .description('Inject the Istio sidecar into Kubernetes workload resources')
    .option('-f, --filename <file>', 'input Kubernetes resource filename (- for stdin)')
    .option('-o, --output <file>', 'modified output Kubernetes resource filename (default stdout)')
    .option('--meshConfigFile <file>', 'mesh configuration filename (MeshConfig YAML or the istio ConfigMap)')
    .option('--injectConfigFile <file>', 'injection configuration filename (sidecar-injector ConfigMap or its config)')
    .option('--valuesFile <file>', 'injection values filename (JSON/YAML or the sidecar-injector ConfigMap)')
    .option('-r, --revision <rev>', 'control plane revision')
    .action((opts: KubeInjectOptions) => {
      process.exitCode = runKubeInject(opts);
    });
}
