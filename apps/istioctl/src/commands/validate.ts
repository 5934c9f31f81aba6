import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('validate')
    .description('not implemented yet')
    .action(() => {
      console.error('validate: not implemented yet');
      process.exitCode = 1;
    });
}
