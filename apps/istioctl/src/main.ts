// istioctl: the command line. One file per command under commands/; this file only wires them.
import { Command } from 'commander';
import { registerCommands } from './commands/index.ts';

const program = new Command('istioctl')
  .description('Istio control interface (mesh edition)')
  .option('--context <name>', 'kubeconfig context to use')
  .option('-i, --istioNamespace <ns>', 'Istio system namespace', 'istio-system')
  .option('-n, --namespace <ns>', 'config namespace')
  .showHelpAfterError();
registerCommands(program);
await program.parseAsync(process.argv);
