import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('kube-inject')
    .description('not implemented yet')
    .action(() => {
      console.error('kube-inject: not implemented yet');
      process.exitCode = 1;
    });
}
