// runIptablesCli(argv, env): the whole istio-iptables command, shared by apps/init and `pilot-agent istio-iptables`.
import { writeFileSync } from 'node:fs';
import { renderDryRun } from './builder/dry-run.ts';
import { VALIDATION_ERROR_CODE } from './builder/chains.ts';
import { parseConfig, usage, type Env } from './config/parse-config.ts';
import { validateConfig } from './config/validate.ts';
import { applyRules } from './exec/apply-rules.ts';
import { completeConfig, systemProbes, type MachineProbes } from './exec/environment.ts';
import { createLogger, levelFromFlag, type Write } from './exec/logger.ts';
import { runValidation } from './exec/validation-probe.ts';

/** Where the CLI writes; defaults to the process streams. */
export interface CliIo {
  stdout?: Write;
  stderr?: Write;
  probes?: MachineProbes;
}

const VALIDATION_FAILED = `iptables validation failed; workload is not ready for Istio.
When using Istio CNI, this can occur if a pod is scheduled before the node is ready.

If installed with 'cni.repair.deletePods=true', this pod should automatically be deleted and retry.
Otherwise, this pod will need to be manually removed so that it is scheduled on a node with istio-cni running, allowing iptables rules to be established.`;

/** Runs istio-iptables with upstream flags and environment; resolves to the process exit code (0, 1 or 126). */
export async function runIptablesCli(argv: readonly string[], env: Env, io: CliIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const stderr = io.stderr ?? ((t: string) => void process.stderr.write(t));
  const parsed = parseConfig(argv, env);
  if (parsed.help) {
    stdout(`${usage()}\n`);
    return 0;
  }
  const cfg = parsed.config;
  const log = createLogger({ json: cfg.logAsJson, level: levelFromFlag(cfg.logOutputLevel), write: stderr });
  if (parsed.errors.length > 0) {
    for (const e of parsed.errors) log.error(e);
    stderr(`Run 'istio-iptables --help' for usage.\n`);
    return 1;
  }
  const completion = completeConfig(cfg, env, io.probes ?? systemProbes);
  for (const w of completion.warnings) log.warn(w);
  const errors = [...completion.errors, ...validateConfig(cfg)];
  if (errors.length > 0) {
    for (const e of errors) log.error(e);
    return 1;
  }
  if (cfg.nativeNftables) {
    log.error('--native-nftables is not supported by this implementation yet; use the iptables backend');
    return 1;
  }
  log.info('istio-iptables configuration', { config: { ...cfg } });

  try {
    if (cfg.dryRun) {
      log.info('running iptables in dry-run mode, no rule changes will be made');
      const { lines, warnings } = renderDryRun(cfg);
      for (const w of warnings) log.warn(w);
      const text = lines.length > 0 ? `${lines.join('\n')}\n` : '';
      stdout(text);
      const file = env['DRY_RUN_FILE_PATH'];
      if (file) writeFileSync(file, text);
    } else if (!cfg.skipRuleApply) {
      const outcome = applyRules(cfg, log);
      log.info('iptables run finished', { ...outcome });
    }
  } catch (err) {
    log.error((err as Error).message);
    return 1;
  }

  if (cfg.runValidation) {
    const result = await runValidation(cfg, log);
    if (!result.ok) {
      log.error(result.reason);
      log.error(VALIDATION_FAILED);
      return VALIDATION_ERROR_CODE;
    }
    log.info('validation passed, iptables rules established', { port: result.port });
  }
  return 0;
}
