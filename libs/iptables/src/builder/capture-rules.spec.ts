import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/parse-config.ts';
import { buildCaptureRules } from './capture-rules.ts';
import { buildCleanupCommands, buildRestore } from './rule-builder.ts';

function rules(argv: string[], env: Record<string, string> = {}, ipv6 = false) {
  const { config } = parseConfig(['-u', '1337', '-g', '1337', ...argv], env);
  config.enableIPv6 = ipv6;
  return buildCaptureRules(config);
}

describe('buildCaptureRules', () => {
  it('returns excluded inbound ports before capturing everything else', () => {
    const text = buildRestore(rules(['-b', '*', '-d', '15090,15021']).builder.v4);
    expect(text).toContain('-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN\n-A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN\n-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT');
  });

  it('excludes outbound ports for tcp and udp before the loopback rules', () => {
    const text = buildRestore(rules(['-o', '9999']).builder.v4);
    expect(text).toContain('-A OUTPUT -j ISTIO_OUTPUT\n-A ISTIO_OUTPUT -p tcp --dport 9999 -j RETURN\n-A ISTIO_OUTPUT -p udp --dport 9999 -j RETURN');
  });

  it('drops the lo RETURN rules when a loopback range is included', () => {
    const text = buildRestore(rules(['-i', '127.1.2.3/32']).builder.v4);
    expect(text).not.toContain('! --uid-owner');
    expect(text).toContain('-A ISTIO_OUTPUT -d 127.1.2.3/32 -j ISTIO_REDIRECT');
  });

  it('returns for excluded owner groups', () => {
    const text = buildRestore(rules([], { ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: '888,ftp' }).builder.v4);
    expect(text).toContain('-A ISTIO_OUTPUT -m owner --gid-owner 888 -j RETURN\n-A ISTIO_OUTPUT -m owner --gid-owner ftp -j RETURN');
  });

  it('captures all DNS with --capture-all-dns', () => {
    const text = buildRestore(rules(['--redirect-dns', '--capture-all-dns']).builder.v4);
    expect(text).toContain('-A ISTIO_OUTPUT_DNS -p tcp --dport 53 -j REDIRECT --to-ports 15053');
    expect(text).toContain('-A ISTIO_OUTPUT_DNS -p udp --dport 53 -j REDIRECT --to-port 15053');
    expect(text).toContain('-A ISTIO_INBOUND -p udp --sport 53 -j CT --zone 1');
  });

  it('ignores invalid CIDRs with a warning and prints canonical IPv6', () => {
    const result = rules(['-i', 'nonsense,2001:0DB8:0::/32'], {}, true);
    expect(result.warnings).toContain('ignoring invalid CIDR "nonsense"');
    expect(buildRestore(result.builder.v6)).toContain('-A ISTIO_OUTPUT -d 2001:db8::/32 -j ISTIO_REDIRECT');
  });

  it('undoes rules outside ISTIO chains and removes the chains', () => {
    const cleanup = buildCleanupCommands(rules(['-b', '*']).builder.v4).map((c) => c.join(' '));
    expect(cleanup).toContain('-t nat -D OUTPUT -j ISTIO_OUTPUT');
    expect(cleanup).toContain('-t nat -D PREROUTING -p tcp -j ISTIO_INBOUND');
    expect(cleanup).toContain('-t nat -X ISTIO_OUTPUT');
    // Non-jump rules inside ISTIO_* chains go away with the flush, so they are not deleted one by one.
    expect(cleanup.some((c) => c.startsWith('-t nat -D ISTIO_REDIRECT'))).toBe(false);
    expect(cleanup.some((c) => c.includes('-D ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN'))).toBe(false);
  });
});
