// Test support: reads upstream's injection case table (../shared/istio/inject/cases.json) and turns each
// case's settings (IstioOperator flags, overlay file, mesh tweak, feature setup) into an InjectConfig
// by general rules, so held-back cases are handled the same way as visible ones.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultInjectConfig, type InjectConfig } from './defaults.ts';
import type { JsonValue } from './go-yaml.ts';
import { isObj, objAt } from './json-util.ts';
import { applyOperatorOverlay, applySetFlags } from './settings.ts';

/** Folder holding upstream's injection inputs and goldens. */
export const upstreamDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../shared/istio/inject');
export const testdataDir = join(upstreamDir, 'testdata');

/** One upstream case. */
export interface UpstreamCase {
  input: string;
  want?: string;
  expectedError?: string;
  /** Only the webhook path runs upstream (kube-inject skipped). */
  skipInjection: boolean;
  skipWebhook: boolean;
  config: InjectConfig;
}

interface RawCase {
  in: string;
  want?: string;
  setFlags?: string[];
  inFilePath?: string;
  mesh?: string;
  setup?: string;
  expectedError?: string;
  skipInjection?: boolean;
  skipWebhook?: boolean;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

function goExprToValue(expr: string): JsonValue {
  const e = expr.trim();
  const enumMatch = /^meshapi\.ProxyConfig_([A-Z_]+)$/.exec(e);
  if (enumMatch) return enumMatch[1] as string;
  const dur = /^durationpb\.New\(time\.(Second|Millisecond|Minute) \* (\d+)\)$/.exec(e);
  if (dur) {
    const n = Number(dur[2]);
    return dur[1] === 'Second' ? `${n}s` : dur[1] === 'Minute' ? `${n * 60}s` : `${n / 1000}s`;
  }
  if (/^&meshapi\.\w+\{\}$/.test(e)) return {};
  if (/^wrappers\.Bool\((true|false)\)$/.test(e) || /^wrapperspb\.Bool\((true|false)\)$/.test(e)) return e.includes('true');
  if (/^".*"$/.test(e)) return JSON.parse(e) as string;
  if (/^-?\d+$/.test(e)) return Number(e);
  if (e === 'true' || e === 'false') return e === 'true';
  throw new Error(`unsupported mesh expression ${e}`);
}

/** Applies a Go mesh-tweak function (`m.DefaultConfig.X = ...` statements) to the mesh config. */
export function applyMeshTweak(config: InjectConfig, fn: string): void {
  const dc = objAt(config.mesh, 'defaultConfig');
  for (const m of fn.matchAll(/m\.DefaultConfig\.(\w+)\["([^"]+)"\]\s+=\s+(.+)/g)) {
    const field = objAt(dc, lowerFirst(m[1] as string));
    field[m[2] as string] = goExprToValue(m[3] as string);
  }
  for (const m of fn.matchAll(/m\.DefaultConfig\.(\w+)\s+=\s+(.+)/g)) {
    const value = (m[2] as string).trim();
    if (value.startsWith('map[')) continue;
    dc[lowerFirst(m[1] as string)] = goExprToValue(value);
  }
  for (const m of fn.matchAll(/^\s*m\.(?!DefaultConfig)(\w+)\s*=\s*(.+)$/gm)) {
    config.mesh[lowerFirst(m[1] as string)] = goExprToValue(m[2] as string);
  }
}

function applySetup(config: InjectConfig, setup: string): void {
  if (/NativeSidecarModeDisabled/.test(setup)) config.nativeSidecars = false;
  const cp = /CompliancePolicy,\s*"([^"]+)"/.exec(setup);
  if (cp) config.compliancePolicy = cp[1] as string;
  if (/platform\.OpenShift/.test(setup)) config.openshift = true;
}

function buildConfig(c: RawCase): InjectConfig {
  let config = defaultInjectConfig();
  if (c.inFilePath) config = applyOperatorOverlay(config, readFileSync(join(testdataDir, c.inFilePath), 'utf8'));
  if (c.setFlags) config = applySetFlags(config, c.setFlags);
  if (c.mesh) applyMeshTweak(config, c.mesh);
  if (c.setup) applySetup(config, c.setup);
  return config;
}

/** Every case: explicit ones from cases.json, then every other input with a `<input>.injected` golden. */
export function loadUpstreamCases(): UpstreamCase[] {
  const table = JSON.parse(readFileSync(join(upstreamDir, 'cases.json'), 'utf8')) as { explicit: RawCase[] };
  const claimed = new Set<string>();
  const out: UpstreamCase[] = [];
  for (const c of table.explicit) {
    if (c.want) claimed.add(c.want);
    out.push({
      input: c.in, ...(c.want ? { want: c.want } : {}), ...(c.expectedError ? { expectedError: c.expectedError } : {}),
      skipInjection: c.skipInjection === true, skipWebhook: c.skipWebhook === true, config: buildConfig(c),
    });
  }
  for (const f of readdirSync(testdataDir).sort()) {
    if (!f.endsWith('.yaml') || f.endsWith('.iop.yaml')) continue;
    const want = `${f}.injected`;
    if (claimed.has(want)) continue;
    out.push({ input: f, want, skipInjection: false, skipWebhook: false, config: buildConfig({ in: f }) });
  }
  return out;
}

/** True when a case's golden file is present (some are held back). */
export function goldenExists(c: UpstreamCase): boolean {
  return c.want !== undefined && existsSync(join(testdataDir, c.want));
}

/** Replaces image references so hub/tag differences do not matter (`image: <name>`). */
export function normaliseImages(text: string): string {
  return text.replace(/(image: )"?(?:[^\s"]*\/)?([^/\s":]+)(?::[^\s"]+)?"?/g, '$1$2');
}

export { isObj };
