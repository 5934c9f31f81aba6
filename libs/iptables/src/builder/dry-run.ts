// The command transcript upstream's stub dependencies record for a run (what `--dry-run` prints; the goldens).
import type { IptablesConfig } from '../config/config.ts';
import { buildCaptureRules } from './capture-rules.ts';
import { buildCleanupCommands, buildRestore } from './rule-builder.ts';

function restoreLines(text: string): string[] {
  return text === '' ? [] : text.replace(/\n$/, '').split('\n');
}

/**
 * Renders the transcript of a run against a clean machine: state check (iptables-save, ip6tables-save), then the
 * iptables-restore inputs (or, with cleanup-only, the delete commands), then the final-state dumps.
 */
export function renderDryRun(cfg: IptablesConfig): { lines: string[]; warnings: string[] } {
  if (cfg.skipRuleApply) return { lines: [], warnings: [] };
  const { builder, warnings } = buildCaptureRules(cfg);
  const lines = ['iptables-save', 'ip6tables-save'];
  if (cfg.cleanupOnly) {
    for (const args of buildCleanupCommands(builder.v4)) lines.push(['iptables', ...args].join(' '));
    for (const args of buildCleanupCommands(builder.v6)) lines.push(['ip6tables', ...args].join(' '));
  } else {
    lines.push(...restoreLines(buildRestore(builder.v4)), ...restoreLines(buildRestore(builder.v6)));
  }
  lines.push('iptables-save');
  if (cfg.enableIPv6) lines.push('ip6tables-save');
  return { lines, warnings };
}
