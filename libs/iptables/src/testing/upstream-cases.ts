// Derives each upstream capture golden's CLI flags and environment from the case table in CASES.md, following its
// stated rules: base flags + env for every case, the case's "equivalent CLI / env" column, and the injected IPv6 /
// DNS facts (passed as DRY_RUN_IPV6 / DRY_RUN_DNS_SERVERS_V4 / _V6). Test-only helper.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One golden with the invocation that must reproduce it. */
export interface UpstreamCase {
  name: string;
  goldenPath: string;
  argv: string[];
  env: Record<string, string>;
}

/** Base flags CASES.md says are implied for every case (constructTestConfig), including `-b ""`. */
export const BASE_ARGS = ['-p', '15001', '-z', '15006', '-e', '15008', '-u', '1337', '-g', '1337', '-t', '1337', '-r', '133', '-b', ''];
/** Base environment implied for every case. */
export const BASE_ENV = { ISTIO_OUTBOUND_OWNER_GROUPS: '*', ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '127.0.0.1/32' };

/** Splits a shell-like word list, honouring '...' and "..." quotes (so `-b ""` yields an empty word). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const m of text.matchAll(re)) words.push(m[1] ?? m[2] ?? m[3] ?? '');
  return words;
}

function cells(row: string): string[] {
  return row.split('|').slice(1, -1).map((c) => c.trim());
}

function parseCliCell(cell: string): { argv: string[]; env: Record<string, string> } {
  // Only the first alternative counts: drop "(or env ...)" remarks and "(base)".
  const primary = cell.replace(/\([^)]*\)/g, '');
  const argv: string[] = [];
  const env: Record<string, string> = {};
  for (const m of primary.matchAll(/`([^`]*)`/g)) {
    let seg = (m[1] ?? '').trim();
    if (seg.startsWith('env ')) seg = seg.slice(4).trim();
    const words = shellWords(seg);
    if (words.length > 0 && words.every((w) => /^[A-Z][A-Z0-9_]*=/.test(w))) {
      for (const w of words) env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
    } else {
      argv.push(...words);
    }
  }
  return { argv, env };
}

function parseDnsCell(cell: string): Record<string, string> {
  // The Go test injects DNS servers (nil unless listed), so an unlisted family is an empty list, never resolv.conf.
  const env: Record<string, string> = { DRY_RUN_DNS_SERVERS_V4: '', DRY_RUN_DNS_SERVERS_V6: '' };
  for (const m of cell.matchAll(/\b(v4|v6)\s+`([^`]*)`/g)) {
    env[m[1] === 'v4' ? 'DRY_RUN_DNS_SERVERS_V4' : 'DRY_RUN_DNS_SERVERS_V6'] = (m[2] ?? '').replace(/\s+/g, '');
  }
  return env;
}

/** Reads the case table rows of CASES.md keyed by golden name. */
export function readCaseTable(casesMd: string): Map<string, { argv: string[]; env: Record<string, string> }> {
  const table = new Map<string, { argv: string[]; env: Record<string, string> }>();
  for (const line of casesMd.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const c = cells(line);
    if (c.length < 5) continue;
    const name = /^`([^`]+)`$/.exec(c[0] ?? '')?.[1];
    if (!name) continue;
    const cli = parseCliCell(c[2] ?? '');
    const ipv6 = /^yes\b/i.test(c[3] ?? '');
    table.set(name, {
      argv: [...BASE_ARGS, ...cli.argv],
      env: { ...BASE_ENV, ...cli.env, DRY_RUN_IPV6: String(ipv6), ...parseDnsCell(c[4] ?? '') },
    });
  }
  return table;
}

/** Every golden in `<dir>/capture-testdata`, with its invocation from `<dir>/CASES.md`. Throws for a golden with no row. */
export function upstreamCases(dir: string): UpstreamCase[] {
  const table = readCaseTable(readFileSync(join(dir, 'CASES.md'), 'utf8'));
  const goldenDir = join(dir, 'capture-testdata');
  return readdirSync(goldenDir)
    .filter((f) => f.endsWith('.golden'))
    .sort()
    .map((file) => {
      const name = file.slice(0, -'.golden'.length);
      const row = table.get(name);
      if (!row) throw new Error(`golden ${file} has no row in CASES.md's case table`);
      return { name, goldenPath: join(goldenDir, file), argv: [...row.argv, '--dry-run'], env: row.env };
    });
}
