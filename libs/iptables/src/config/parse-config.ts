// parseConfig(argv, env): upstream istio-iptables flag syntax (pflag) with env bindings; CLI > env > default.
import { defaultConfig, type IptablesConfig } from './config.ts';
import { ENV_ONLY, FLAGS, type FlagSpec } from './flags.ts';
import { parseGoBool, parseGoDuration, parsePort } from './parse-values.ts';

/** Environment variables as a plain map (process.env fits). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Result of parsing: the config, whether help was asked for, and every problem found (flag or env named). */
export interface ParsedConfig {
  config: IptablesConfig;
  help: boolean;
  errors: string[];
}

/** Upstream's standard istio logging flags; accepted for compatibility. Boolean ones take no value. */
const LOG_BOOL_FLAGS = new Set(['log_as_json', 'log_caller_json', 'log_stacktrace_json']);
function isLogFlag(name: string): boolean {
  return name.startsWith('log_');
}

function setValue(config: IptablesConfig, spec: FlagSpec, raw: string, source: string, errors: string[]): void {
  switch (spec.kind) {
    case 'string':
      config[spec.field] = raw;
      return;
    case 'bool': {
      const value = parseGoBool(raw);
      if (value === undefined) errors.push(`${source}: invalid boolean "${raw}" (use true or false)`);
      else config[spec.field] = value;
      return;
    }
    case 'port': {
      const value = parsePort(raw);
      if (value === undefined) errors.push(`${source}: invalid port "${raw}" (expected 0-65535)`);
      else config[spec.field] = value;
      return;
    }
    case 'duration': {
      const value = parseGoDuration(raw);
      if (value === undefined || value < 0) errors.push(`${source}: invalid duration "${raw}" (expected e.g. 5s, 500ms)`);
      else config[spec.field] = value;
      return;
    }
  }
}

function applyEnv(config: IptablesConfig, env: Env, errors: string[]): void {
  for (const spec of FLAGS) {
    // The primary variable first, then aliases, which win when set (upstream flag.AdditionalEnv).
    for (const name of [spec.env, ...(spec.aliases ?? [])]) {
      if (!name) continue;
      const raw = env[name];
      if (raw === undefined || (raw === '' && spec.kind !== 'string')) continue;
      setValue(config, spec, raw, `environment variable ${name}`, errors);
    }
  }
  for (const [field, knob] of Object.entries(ENV_ONLY) as [keyof typeof ENV_ONLY, (typeof ENV_ONLY)[keyof typeof ENV_ONLY]][]) {
    config[field] = env[knob.env] ?? knob.default;
  }
}

function applyArgs(config: IptablesConfig, argv: readonly string[], errors: string[]): boolean {
  const byName = new Map(FLAGS.map((f) => [f.name, f]));
  const byShort = new Map(FLAGS.filter((f) => f.short).map((f) => [f.short as string, f]));
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      if (i + 1 < argv.length) errors.push(`unexpected arguments: ${argv.slice(i + 1).join(' ')}`);
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    let spec: FlagSpec | undefined;
    let inline: string | undefined;
    let display: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      display = `--${name}`;
      if (isLogFlag(name)) {
        // Logging flags are accepted; only --log_as_json changes our output.
        const takesValue = !LOG_BOOL_FLAGS.has(name);
        const value = inline ?? (takesValue ? argv[++i] : 'true');
        if (value === undefined) errors.push(`flag ${display} needs a value`);
        else if (name === 'log_as_json') config.logAsJson = parseGoBool(value) ?? true;
        else if (name === 'log_output_level') config.logOutputLevel = value;
        continue;
      }
      spec = byName.get(name);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const short = arg.slice(1, 2);
      display = `-${short}`;
      const rest = arg.slice(2);
      // pflag accepts "-bVALUE" and "-b=VALUE".
      inline = rest === '' ? undefined : rest.startsWith('=') ? rest.slice(1) : rest;
      spec = byShort.get(short);
    } else {
      errors.push(`unexpected argument "${arg}" (istio-iptables takes only flags)`);
      continue;
    }
    if (!spec) {
      errors.push(`unknown flag: ${display}`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (spec.kind === 'bool') value = 'true';
      else if (i + 1 < argv.length) value = argv[++i] as string;
      else {
        errors.push(`flag needs an argument: ${display}`);
        continue;
      }
    }
    setValue(config, spec, value, `flag ${display}`, errors);
  }
  return help;
}

/** Parses istio-iptables flags and environment into a config (no machine probing; see completeConfig). */
export function parseConfig(argv: readonly string[], env: Env): ParsedConfig {
  const config = defaultConfig();
  const errors: string[] = [];
  applyEnv(config, env, errors);
  const help = applyArgs(config, argv, errors);
  return { config, help, errors };
}

/** Usage text listing every flag with its shorthand and environment variable. */
export function usage(): string {
  const lines = ['istio-iptables is responsible for setting up port forwarding for Istio Sidecar.', '', 'Usage:', '  istio-iptables [flags]', '', 'Flags:'];
  for (const f of FLAGS) {
    const short = f.short ? `-${f.short}, ` : '    ';
    const value = f.kind === 'bool' ? '' : ` ${f.kind}`;
    const env = f.env ? ` [env ${[f.env, ...(f.aliases ?? [])].join(', ')}]` : '';
    lines.push(`  ${short}--${f.name}${value}`.padEnd(52) + `${f.help}${env}`);
  }
  lines.push('  -h, --help'.padEnd(52) + 'help for istio-iptables');
  lines.push('', 'Environment only: ISTIO_OUTBOUND_OWNER_GROUPS, ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE,');
  lines.push('ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR, ENVOY_USER, DRY_RUN_FILE_PATH, DRY_RUN_IPV6, DRY_RUN_DNS_SERVERS_V4/_V6.');
  return lines.join('\n');
}
