// Public surface of @mesh/iptables: flag/env parsing, the pure rule builder, and the executor.
export { defaultConfig, splitList, TPROXY, type IptablesConfig } from './config/config.ts';
export { FLAGS, type FlagSpec } from './config/flags.ts';
export { parseConfig, usage, type Env, type ParsedConfig } from './config/parse-config.ts';
export { validateConfig } from './config/validate.ts';
export * from './builder/index.ts';
export { completeConfig, systemProbes, type MachineProbes } from './exec/environment.ts';
export { applyRules, type ApplyOutcome } from './exec/apply-rules.ts';
export { CommandRunner } from './exec/command-runner.ts';
export { parseSaveState } from './exec/iptables-state.ts';
export { runValidation, runProbe } from './exec/validation-probe.ts';
export { createLogger, type Logger } from './exec/logger.ts';
export { runIptablesCli, type CliIo } from './cli.ts';
