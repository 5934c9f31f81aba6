import { describe, expect, it } from 'vitest';
import { parseConfig } from './parse-config.ts';
import { validateConfig } from './validate.ts';
import { parseGoDuration } from './parse-values.ts';

describe('parseConfig', () => {
  it('uses upstream defaults', () => {
    const { config, errors } = parseConfig([], {});
    expect(errors).toEqual([]);
    expect(config).toMatchObject({ proxyPort: '15001', inboundCapturePort: '15006', inboundTunnelPort: '15008', inboundTProxyMark: '1337' });
    expect(config).toMatchObject({ ownerGroupsInclude: '*', hostIPv4LoopbackCidr: '127.0.0.1/32', iptablesProbePort: 15002, probeTimeoutMs: 5000 });
  });

  it('reads env bindings and lets flags override them (CLI > env > default)', () => {
    const env = { INBOUND_CAPTURE_PORT: '16006', ISTIO_INBOUND_PORTS: '80', PROXY_UID: '7' };
    const { config } = parseConfig(['-z', '17006', '--proxy-uid=8'], env);
    expect(config.inboundCapturePort).toBe('17006');
    expect(config.proxyUID).toBe('8');
    expect(config.inboundPortsInclude).toBe('80');
  });

  it('does not bind --envoy-port to an environment variable', () => {
    expect(parseConfig([], { ENVOY_PORT: '9999' }).config.proxyPort).toBe('15001');
  });

  it('applies alias variables after the primary one', () => {
    expect(parseConfig([], { REDIRECT_DNS: 'false', ISTIO_META_DNS_CAPTURE: 'true' }).config.redirectDNS).toBe(true);
    expect(parseConfig([], { INVALID_DROP: 'true' }).config.dropInvalid).toBe(true);
  });

  it('accepts pflag forms: -b "", -bVALUE, -b=VALUE, --flag=value, bare booleans, --flag=false', () => {
    expect(parseConfig(['-b', ''], { ISTIO_INBOUND_PORTS: '*' }).config.inboundPortsInclude).toBe('');
    expect(parseConfig(['-b80,81'], {}).config.inboundPortsInclude).toBe('80,81');
    expect(parseConfig(['-x='], {}).config.outboundIPRangesExclude).toBe('');
    expect(parseConfig(['-n', '--redirect-dns'], {}).config).toMatchObject({ dryRun: true, redirectDNS: true });
    expect(parseConfig(['--dry-run=false'], { DRY_RUN: 'true' }).config.dryRun).toBe(false);
    expect(parseConfig(['--log_output_level=default:debug', '--log_as_json'], {}).config).toMatchObject({ logAsJson: true, logOutputLevel: 'default:debug' });
  });

  it('reports unknown flags, missing values and bad values with their source', () => {
    expect(parseConfig(['--bogus'], {}).errors).toEqual(['unknown flag: --bogus']);
    expect(parseConfig(['-p'], {}).errors).toEqual(['flag needs an argument: -p']);
    expect(parseConfig([], { DRY_RUN: 'maybe' }).errors[0]).toMatch(/environment variable DRY_RUN: invalid boolean/);
    expect(parseConfig(['--probe-timeout', 'soon'], {}).errors[0]).toMatch(/--probe-timeout: invalid duration/);
    expect(parseConfig(['stray'], {}).errors[0]).toMatch(/unexpected argument/);
  });

  it('parses Go durations', () => {
    expect(parseGoDuration('1m30s')).toBe(90_000);
    expect(parseGoDuration('250ms')).toBe(250);
    expect(parseGoDuration('5')).toBeUndefined();
  });
});

describe('validateConfig', () => {
  const valid = () => parseConfig(['-u', '1337', '-g', '1337'], {}).config;

  it('accepts the defaults', () => {
    expect(validateConfig(valid())).toEqual([]);
  });

  it('rejects a wildcard exclude CIDR, bad loopback CIDRs and too many owner groups', () => {
    expect(validateConfig({ ...valid(), outboundIPRangesExclude: '*' })[0]).toMatch(/istio-service-exclude-cidr/);
    expect(validateConfig({ ...valid(), hostIPv4LoopbackCidr: '10.0.0.1/32' })[0]).toMatch(/IPv4 loopback/);
    expect(validateConfig({ ...valid(), hostIPv4LoopbackCidr: '127.0.0.1/4' })[0]).toMatch(/mask in \[8, 32\]/);
    const groups = Array.from({ length: 65 }, (_, i) => String(i)).join(',');
    expect(validateConfig({ ...valid(), ownerGroupsInclude: groups })[0]).toMatch(/cannot exceed 64/);
  });

  it('rejects malformed ports and binaries with the flag name', () => {
    expect(validateConfig({ ...valid(), proxyPort: 'abc' })[0]).toMatch(/--envoy-port \(-p\)/);
    expect(validateConfig({ ...valid(), inboundPortsInclude: '80,x' })[0]).toMatch(/--istio-inbound-ports \(-b\): "x"/);
    expect(validateConfig({ ...valid(), forceIptablesBinary: 'other' })[0]).toMatch(/legacy, nft/);
  });
});
