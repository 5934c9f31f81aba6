// Chooses the iptables binaries once per family so save, restore and rule commands always use the same backend.
import type { CommandRunner } from './command-runner.ts';

/** The three binaries of one family and backend. */
export interface IptablesBinaries {
  family: 'v4' | 'v6';
  iptables: string;
  save: string;
  restore: string;
}

/** Picks binaries: FORCE_IPTABLES_BINARY=legacy|nft selects the backend explicitly, else the system `iptables`. */
export function selectBinaries(force: string, runner: CommandRunner): { v4: IptablesBinaries; v6: IptablesBinaries } {
  const suffix = force === 'legacy' ? '-legacy' : force === 'nft' ? '-nft' : '';
  const make = (base: 'iptables' | 'ip6tables', family: 'v4' | 'v6'): IptablesBinaries => ({
    family,
    iptables: `${base}${suffix}`,
    save: `${base}${suffix}-save`,
    restore: `${base}${suffix}-restore`,
  });
  const v4 = make('iptables', 'v4');
  const probe = runner.run(v4.iptables, ['--version']);
  if (probe.code !== 0) throw new Error(`${v4.iptables} is not usable: ${probe.stderr.trim() || `exit ${probe.code}`}`);
  return { v4, v6: make('ip6tables', 'v6') };
}
