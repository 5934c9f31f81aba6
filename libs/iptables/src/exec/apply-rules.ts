// Executes a capture plan against the real kernel: verify current state, clean up (cleanup-only or reconcile,
// behind DROP guardrails), then apply with `iptables-restore --noflush`. Mirrors upstream executeCommands().
import type { IptablesConfig } from '../config/config.ts';
import { buildCaptureRules } from '../builder/capture-rules.ts';
import {
  buildCleanupCommands,
  buildGuardrailCleanupCommands,
  buildGuardrailCommands,
  buildRestore,
  type IptablesArgs,
  type RuleBuilder,
} from '../builder/rule-builder.ts';
import { CommandRunner } from './command-runner.ts';
import { selectBinaries, type IptablesBinaries } from './iptables-binaries.ts';
import { istioLeftovers, parseSaveState, verifyFamily } from './iptables-state.ts';
import type { Logger } from './logger.ts';
import { cleanupTproxyRoutes, configureRoutes } from './tproxy-routes.ts';

/** What a run did, for logs and tests. */
export interface ApplyOutcome {
  residue: boolean;
  delta: boolean;
  cleaned: boolean;
  applied: boolean;
}

function tryAll(runner: CommandRunner, bin: string, commands: readonly IptablesArgs[]): void {
  for (const args of commands) runner.run(bin, args);
}

function mustAll(runner: CommandRunner, bin: string, commands: readonly IptablesArgs[]): void {
  for (const args of commands) runner.mustRun(bin, args);
}

/** Removes any ISTIO_* chain and jump left in the live tables (rules from older or different configs). */
function removeLeftovers(runner: CommandRunner, bins: IptablesBinaries, log: Logger): void {
  const saved = runner.run(bins.save, []);
  if (saved.code !== 0) return;
  for (const { table, chains, jumps } of istioLeftovers(parseSaveState(saved.stdout))) {
    for (const rule of jumps) {
      const args = rule.split(' ').map((w) => (w === '-A' || w === '--append' ? '-D' : w));
      runner.run(bins.iptables, ['-t', table, ...args]);
    }
    for (const chain of chains) runner.run(bins.iptables, ['-t', table, '-F', chain]);
    for (const chain of chains) runner.run(bins.iptables, ['-t', table, '-X', chain]);
    log.info('removed leftover Istio iptables state', { family: bins.family, table, chains, jumps: jumps.length });
  }
}

/** Applies (or cleans up) the rules for a complete config. Throws with the failing command on error. */
export function applyRules(cfg: IptablesConfig, log: Logger, runner = new CommandRunner(cfg.networkNamespace)): ApplyOutcome {
  const { builder, warnings } = buildCaptureRules(cfg);
  for (const w of warnings) log.warn(w);
  const bins = selectBinaries(cfg.forceIptablesBinary, runner);
  const families: [IptablesBinaries, RuleBuilder['v4']][] = [
    [bins.v4, builder.v4],
    [bins.v6, builder.v6],
  ];

  const verdicts = families.map(([b, rules]) => verifyFamily(runner, b, rules));
  const delta = verdicts.some((v) => v.delta);
  // Residue only counts for a family where we plan rules (upstream ignores residue elsewhere).
  const residue = verdicts.some((v) => v.residue && v.planned);
  log.info(residue ? (delta ? 'found residues of old iptables rules; reconciliation recommended' : 'found compatible residues; nothing to change') : 'clean state detected', {
    residue,
    delta,
  });
  if (residue && delta && !cfg.reconcile && !cfg.cleanupOnly) {
    log.info('reconcile is recommended but --reconcile is not set; pre-existing rules may cause unexpected behaviour');
  }

  let cleaned = false;
  let guardrails = false;
  try {
    if ((residue && delta && cfg.reconcile) || cfg.cleanupOnly) {
      if (!cfg.cleanupOnly) {
        // Drop traffic while rules are swapped, so nothing leaks past the proxy in between.
        for (const [b] of families) {
          tryAll(runner, b.iptables, buildGuardrailCleanupCommands());
          mustAll(runner, b.iptables, buildGuardrailCommands());
          guardrails = true;
        }
      }
      log.info('removing existing Istio iptables rules');
      for (const [b, rules] of families) {
        tryAll(runner, b.iptables, buildCleanupCommands(rules));
        removeLeftovers(runner, b, log);
      }
      if (cfg.cleanupOnly) cleanupTproxyRoutes(cfg, runner, log);
      cleaned = true;
    }
    const apply = (delta || cfg.forceApply) && !cfg.cleanupOnly;
    if (apply) {
      for (const [b, rules] of families) {
        const input = buildRestore(rules);
        log.info('running iptables-restore', { binary: b.restore, rules: rules.length });
        if (input !== '') runner.mustRun(b.restore, ['--noflush'], input);
      }
    } else if (!cfg.cleanupOnly) {
      log.info('iptables rules already in place; nothing applied');
    }
    if (!cfg.cleanupOnly) configureRoutes(cfg, runner, log);
    return { residue, delta, cleaned, applied: apply };
  } finally {
    if (guardrails) {
      log.info('removing guardrails');
      for (const [b] of families) tryAll(runner, b.iptables, buildGuardrailCleanupCommands());
    }
  }
}
