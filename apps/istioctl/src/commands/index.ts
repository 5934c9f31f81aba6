// The list of istioctl commands. Each command file exports `register(program)`.
import type { Command } from 'commander';
import { register as validate } from './validate.ts';
import { register as kubeInject } from './kube-inject.ts';

export function registerCommands(program: Command): void {
  for (const register of [validate, kubeInject]) register(program);
}
