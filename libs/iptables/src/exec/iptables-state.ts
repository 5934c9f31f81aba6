// Reads the current iptables state (iptables-save) and compares it with the planned rules, like upstream
// VerifyIptablesState: residue = any ISTIO_* chain exists; delta = the planned rules are not all in place.
import { buildCheckCommands, buildRestore, type Rule } from '../builder/rule-builder.ts';
import type { CommandRunner } from './command-runner.ts';
import type { IptablesBinaries } from './iptables-binaries.ts';

/** table → chain → rule lines; only ISTIO_* chains and chains that receive rules are recorded. */
export type TableState = Map<string, Map<string, string[]>>;

/** Parses iptables-save / iptables-restore text into per-table chains and rules (upstream GetStateFromSave). */
export function parseSaveState(text: string): TableState {
  const state: TableState = new Map(['filter', 'nat', 'mangle', 'raw'].map((t) => [t, new Map<string, string[]>()]));
  let table = '';
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#') || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      continue;
    }
    const chains = state.get(table);
    if (!chains) continue;
    if (line.startsWith(':')) {
      const chain = (line.split(' ')[0] ?? '').slice(1);
      if (chain.startsWith('ISTIO') && !chains.has(chain)) chains.set(chain, []);
      continue;
    }
    const words = line.split(' ');
    let chain = '';
    let isRule = false;
    words.forEach((w, i) => {
      const next = (words[i + 1] ?? '').replace(/^['"]|['"]$/g, '');
      if ((w === '-A' || w === '--append' || w === '-I' || w === '--insert') && next) {
        isRule = true;
        chain = next;
      } else if ((w === '-N' || w === '--new') && next.startsWith('ISTIO')) chain = next;
    });
    if (!chain) continue;
    const rules = chains.get(chain) ?? [];
    chains.set(chain, rules);
    if (isRule) rules.push(line);
  }
  return state;
}

function isEmpty(state: TableState): boolean {
  return [...state.values()].every((chains) => chains.size === 0);
}

/** Result of comparing one family's current state with the plan. */
export interface FamilyVerdict {
  residue: boolean;
  delta: boolean;
  planned: boolean;
}

/** Compares one family's live state with its planned rules. */
export function verifyFamily(runner: CommandRunner, bins: IptablesBinaries, planned: readonly Rule[]): FamilyVerdict {
  const expected = parseSaveState(buildRestore(planned));
  const plannedAny = !isEmpty(expected);
  const saved = runner.run(bins.save, []);
  if (saved.code !== 0) return { residue: false, delta: plannedAny, planned: plannedAny };
  const current = parseSaveState(saved.stdout);
  const residue = !isEmpty(current);
  if (!residue) return { residue, delta: plannedAny, planned: plannedAny };
  for (const [table, chains] of expected) {
    const cur = current.get(table);
    if (!cur) return { residue, delta: true, planned: plannedAny };
    for (const [chain, rules] of chains) {
      const curRules = cur.get(chain);
      if (!curRules || (chain.startsWith('ISTIO_') && curRules.length !== rules.length)) return { residue, delta: true, planned: plannedAny };
    }
  }
  for (const [table, chains] of current) {
    for (const chain of chains.keys()) {
      if (chain.startsWith('ISTIO_') && !expected.get(table)?.has(chain)) return { residue, delta: true, planned: plannedAny };
    }
  }
  // The rule text of iptables-save differs from ours (option order), so ask iptables itself with -C.
  for (const args of buildCheckCommands(planned)) {
    if (runner.run(bins.iptables, args).code !== 0) return { residue, delta: true, planned: plannedAny };
  }
  return { residue, delta: false, planned: plannedAny };
}

/** Leftover Istio state: ISTIO_* chains and rules in other chains that jump to them. */
export function istioLeftovers(state: TableState): { table: string; chains: string[]; jumps: string[] }[] {
  const out: { table: string; chains: string[]; jumps: string[] }[] = [];
  for (const [table, chains] of state) {
    const istioChains: string[] = [];
    const jumps: string[] = [];
    for (const [chain, rules] of chains) {
      if (chain.startsWith('ISTIO_')) istioChains.push(chain);
      else jumps.push(...rules.filter((r) => /(?:^|\s)(?:-j|--jump)\s+['"]?ISTIO_/.test(r)));
    }
    if (istioChains.length || jumps.length) out.push({ table, chains: istioChains, jumps });
  }
  return out;
}
