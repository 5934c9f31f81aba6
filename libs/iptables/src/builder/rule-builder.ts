// Collects iptables rules per IP family in insertion order and renders them as iptables-restore input,
// check commands (-C) and undo commands (-D, -F, -X), with upstream's exact formatting and ordering.

/** Placeholder replaced by the family-specific value in versioned rules. */
export const IP_VERSION_SPECIFIC = 'PLACEHOLDER_IP_VERSION_SPECIFIC';

/** Chains and targets iptables already knows; they are never declared with -N. */
export const BUILTIN_CHAINS_AND_TARGETS = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING', 'ACCEPT', 'RETURN', 'DROP']);

/** One rule: the chain and table it lives in and its full iptables arguments starting with -A/-I. */
export interface Rule {
  readonly chain: string;
  readonly table: string;
  readonly params: readonly string[];
}

/** An iptables command line without the binary name (e.g. ["-t", "nat", "-D", "OUTPUT", ...]). */
export type IptablesArgs = readonly string[];

/** IP family of a rule set. */
export type Family = 'v4' | 'v6';

/** Accumulates v4 and v6 rules; v6 rules are dropped unless IPv6 is enabled (as upstream). */
export class RuleBuilder {
  readonly v4: Rule[] = [];
  readonly v6: Rule[] = [];
  readonly enableIPv6: boolean;

  constructor(enableIPv6: boolean) {
    this.enableIPv6 = enableIPv6;
  }

  /** Appends a rule to both families. */
  append(chain: string, table: string, ...params: string[]): this {
    return this.appendV4(chain, table, ...params).appendV6(chain, table, ...params);
  }

  /** Appends a rule to the IPv4 set only. */
  appendV4(chain: string, table: string, ...params: string[]): this {
    this.v4.push({ chain, table, params: ['-A', chain, ...params] });
    return this;
  }

  /** Appends a rule to the IPv6 set only (ignored when IPv6 is off). */
  appendV6(chain: string, table: string, ...params: string[]): this {
    if (this.enableIPv6) this.v6.push({ chain, table, params: ['-A', chain, ...params] });
    return this;
  }

  /** Appends a rule to both families, substituting IP_VERSION_SPECIFIC with the family's value. */
  appendVersioned(ipv4: string, ipv6: string, chain: string, table: string, ...params: string[]): this {
    const sub = (value: string) => params.map((p) => (p === IP_VERSION_SPECIFIC ? value : p));
    return this.appendV4(chain, table, ...sub(ipv4)).appendV6(chain, table, ...sub(ipv6));
  }

  /** Inserts a rule at a 1-based position in both families. */
  insert(chain: string, table: string, position: number, ...params: string[]): this {
    return this.insertV4(chain, table, position, ...params).insertV6(chain, table, position, ...params);
  }

  /** Inserts a rule at a 1-based position in the IPv4 set. */
  insertV4(chain: string, table: string, position: number, ...params: string[]): this {
    this.v4.push({ chain, table, params: ['-I', chain, String(position), ...params] });
    return this;
  }

  /** Inserts a rule at a 1-based position in the IPv6 set (ignored when IPv6 is off). */
  insertV6(chain: string, table: string, position: number, ...params: string[]): this {
    if (this.enableIPv6) this.v6.push({ chain, table, params: ['-I', chain, String(position), ...params] });
    return this;
  }

  /** The rules of one family. */
  rules(family: Family): readonly Rule[] {
    return family === 'v4' ? this.v4 : this.v6;
  }
}

/**
 * iptables-restore input for a rule list: tables sorted by name, empty tables omitted; per table first `-N` for
 * each custom chain that receives rules (first-seen order), then for jump targets not declared yet, then the rules.
 */
export function buildRestore(rules: readonly Rule[]): string {
  const tables = new Map<string, string[]>([
    ['filter', []],
    ['nat', []],
    ['mangle', []],
  ]);
  const lines = (table: string): string[] => {
    let list = tables.get(table);
    if (!list) {
      list = [];
      tables.set(table, list);
    }
    return list;
  };
  const declared = new Set<string>();
  const declare = (chain: string, table: string): void => {
    const key = `${chain}:${table}`;
    if (declared.has(key)) return;
    declared.add(key);
    if (!BUILTIN_CHAINS_AND_TARGETS.has(chain)) lines(table).push(`-N ${chain}`);
  };
  for (const r of rules) declare(r.chain, r.table);
  for (const r of rules) {
    // Only a trailing "-j TARGET" names a chain we may need to create (e.g. "-j REDIRECT --to-ports" does not).
    if (r.params.length >= 2 && r.params[r.params.length - 2] === '-j') declare(r.params[r.params.length - 1] as string, r.table);
  }
  for (const r of rules) lines(r.table).push(r.params.join(' '));
  let out = '';
  for (const table of [...tables.keys()].sort()) {
    const body = tables.get(table) ?? [];
    if (body.length === 0) continue;
    out += `* ${table}\n${body.join('\n')}\nCOMMIT\n`;
  }
  return out;
}

function rewriteVerb(params: readonly string[], verb: '-C' | '-D'): string[] {
  const out: string[] = [];
  let insertAt = -1;
  params.forEach((p, i) => {
    if (insertAt >= 0 && i === insertAt + 2) return; // drop the -I position
    if (p === '-A' || p === '--append') out.push(verb);
    else if (p === '-I' || p === '--insert') {
      insertAt = i;
      out.push(verb);
    } else out.push(p);
  });
  return out;
}

/** `-t <table> -C ...` commands that succeed only if every rule exists. */
export function buildCheckCommands(rules: readonly Rule[]): IptablesArgs[] {
  return rules.map((r) => ['-t', r.table, ...rewriteVerb(r.params, '-C')]);
}

/** Whether a rule would be removed anyway by flushing its ISTIO_* chain (and is not a jump to an ISTIO_* chain). */
function removedByFlush(params: readonly string[]): boolean {
  const chain = params[1] ?? '';
  const jumpAt = params.indexOf('-j');
  const target = jumpAt >= 0 ? (params[jumpAt + 1] ?? '') : '';
  return chain.startsWith('ISTIO_') && !target.startsWith('ISTIO_');
}

/** Commands that undo the rules: delete rules outside ISTIO_* chains (last first), then flush and delete the chains. */
export function buildCleanupCommands(rules: readonly Rule[]): IptablesArgs[] {
  const reversed = [...rules].reverse();
  const out: IptablesArgs[] = [];
  for (const r of reversed) {
    if (removedByFlush(r.params)) continue;
    out.push(['-t', r.table, ...rewriteVerb(r.params, '-D')]);
  }
  const seen = new Set<string>();
  for (const r of reversed) {
    const key = `${r.chain}:${r.table}`;
    if (seen.has(key) || BUILTIN_CHAINS_AND_TARGETS.has(r.chain)) continue;
    seen.add(key);
    out.push(['-t', r.table, '-F', r.chain], ['-t', r.table, '-X', r.chain]);
  }
  return out;
}

/** Temporary DROP rules that keep traffic from leaking while rules are being replaced. */
export function guardrailRules(): Rule[] {
  const rules: Rule[] = [];
  for (const chain of ['INPUT', 'FORWARD', 'OUTPUT']) {
    for (const proto of ['tcp', 'udp']) rules.push({ chain, table: 'filter', params: ['-I', chain, '1', '-p', proto, '-j', 'DROP'] });
  }
  return rules;
}

/** iptables commands that insert the guardrails. */
export function buildGuardrailCommands(): IptablesArgs[] {
  return guardrailRules().map((r) => ['-t', r.table, ...r.params]);
}

/** iptables commands that remove the guardrails. */
export function buildGuardrailCleanupCommands(): IptablesArgs[] {
  return guardrailRules().map((r) => ['-t', r.table, ...rewriteVerb(r.params, '-D')]);
}
