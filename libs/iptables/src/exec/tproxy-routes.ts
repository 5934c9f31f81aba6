// Routing needed by TPROXY (policy rule + local route table) and the ::6 passthrough address for IPv6.
import { TPROXY, type IptablesConfig } from '../config/config.ts';
import type { CommandRunner } from './command-runner.ts';
import type { Logger } from './logger.ts';

function tproxyActive(cfg: IptablesConfig): boolean {
  return cfg.inboundPortsInclude !== '' && cfg.inboundInterceptionMode === TPROXY;
}

function families(cfg: IptablesConfig): string[] {
  return cfg.enableIPv6 ? ['-4', '-6'] : ['-4'];
}

function ruleExists(runner: CommandRunner, fam: string, cfg: IptablesConfig): boolean {
  const out = runner.run('ip', [fam, 'rule', 'show']).stdout;
  const mark = `0x${Number(cfg.inboundTProxyMark).toString(16)}`;
  return out.split('\n').some((l) => l.includes(`fwmark ${mark}`) && new RegExp(`lookup ${cfg.inboundTProxyRouteTable}\\b`).test(l));
}

/** `ip -6 addr add ::6/128 dev lo` when IPv6, and for TPROXY `ip rule add fwmark M lookup T` + a local default route. */
export function configureRoutes(cfg: IptablesConfig, runner: CommandRunner, log: Logger): void {
  if (cfg.enableIPv6) {
    const res = runner.run('ip', ['-6', 'addr', 'add', '::6/128', 'dev', 'lo']);
    if (res.code !== 0 && !/exists/i.test(res.stderr)) throw new Error(`failed to add IPv6 inbound address ::6: ${res.stderr.trim()}`);
  }
  if (!tproxyActive(cfg)) return;
  for (const fam of families(cfg)) {
    // Re-runs must not stack duplicate policy rules.
    if (!ruleExists(runner, fam, cfg)) runner.mustRun('ip', [fam, 'rule', 'add', 'fwmark', cfg.inboundTProxyMark, 'lookup', cfg.inboundTProxyRouteTable]);
    runner.mustRun('ip', [fam, 'route', 'replace', 'local', 'default', 'dev', 'lo', 'table', cfg.inboundTProxyRouteTable]);
  }
  log.info('configured TPROXY routing', { mark: cfg.inboundTProxyMark, table: cfg.inboundTProxyRouteTable });
}

/** Best-effort removal of the TPROXY policy rule and route table (for --cleanup-only). */
export function cleanupTproxyRoutes(cfg: IptablesConfig, runner: CommandRunner, log: Logger): void {
  if (!tproxyActive(cfg)) return;
  for (const fam of families(cfg)) {
    while (ruleExists(runner, fam, cfg)) {
      if (runner.run('ip', [fam, 'rule', 'del', 'fwmark', cfg.inboundTProxyMark, 'lookup', cfg.inboundTProxyRouteTable]).code !== 0) break;
    }
    runner.run('ip', [fam, 'route', 'flush', 'table', cfg.inboundTProxyRouteTable]);
  }
  log.info('removed TPROXY routing', { table: cfg.inboundTProxyRouteTable });
}
