// Pure builder surface: config → rules → iptables-restore text. No I/O.
export { buildCaptureRules, type CaptureRules } from './capture-rules.ts';
export { renderDryRun } from './dry-run.ts';
export {
  buildCheckCommands,
  buildCleanupCommands,
  buildGuardrailCleanupCommands,
  buildGuardrailCommands,
  buildRestore,
  RuleBuilder,
  type IptablesArgs,
  type Rule,
} from './rule-builder.ts';
export * from './chains.ts';
