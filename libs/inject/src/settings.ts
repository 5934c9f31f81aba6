// Building an injector configuration from user input: `--set`-style flags and IstioOperator overlays
// (as install renders them into the injector ConfigMap), and the files istioctl kube-inject accepts.
import { parse as parseYaml } from 'yaml';
import { defaultInjectConfig, type InjectConfig } from './defaults.ts';
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { goString, isObj, mergeValues, setPath } from './json-util.ts';

function parseFlagValue(v: string): JsonValue {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

/** Maps an IstioOperator values path onto the values istiod's injector sees. */
function valuesPath(path: string): string {
  if (path.startsWith('cni.')) return `pilot.${path}`;
  return path;
}

/** Applies IstioOperator `--set` flags (`values.global.proxy.image=x`, `components.cni.enabled=true`, `meshConfig.x=y`). */
export function applySetFlags(config: InjectConfig, flags: string[]): InjectConfig {
  const out = structuredClone(config);
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new Error(`--set ${flag}: expected path=value`);
    const path = flag.slice(0, eq);
    const value = parseFlagValue(flag.slice(eq + 1));
    if (path.startsWith('values.')) setPath(out.values, valuesPath(path.slice('values.'.length)), value);
    else if (path === 'components.cni.enabled') setPath(out.values, 'pilot.cni.enabled', value);
    else if (path.startsWith('meshConfig.')) setPath(out.mesh, path.slice('meshConfig.'.length), value);
    else if (path === 'revision' || path === 'spec.revision') out.values['revision'] = value;
    else throw new Error(`--set ${flag}: unsupported path "${path}" (use values.*, meshConfig.* or components.cni.enabled)`);
  }
  return out;
}

/** Applies an IstioOperator document's `spec.values`, `spec.meshConfig` and CNI component settings. */
export function applyOperatorOverlay(config: InjectConfig, iopYaml: string): InjectConfig {
  const doc = parseYaml(iopYaml) as unknown;
  if (!isObj(doc)) throw new Error('IstioOperator overlay: expected a YAML object');
  const spec = isObj(doc['spec']) ? doc['spec'] : {};
  const out = structuredClone(config);
  if (isObj(spec['values'])) {
    const v = structuredClone(spec['values']);
    if (isObj(v['cni'])) {
      const pilot = isObj(v['pilot']) ? v['pilot'] : {};
      pilot['cni'] = mergeValues(isObj(pilot['cni']) ? pilot['cni'] : {}, v['cni']);
      v['pilot'] = pilot;
      delete v['cni'];
    }
    out.values = mergeValues(out.values, v);
    applyInjectorSettings(out, out.values);
  }
  if (isObj(spec['meshConfig'])) out.mesh = mergeValues(out.mesh, spec['meshConfig']);
  const cni = isObj(spec['components']) && isObj(spec['components']['cni']) ? spec['components']['cni'] : undefined;
  if (cni && typeof cni['enabled'] === 'boolean') setPath(out.values, 'pilot.cni.enabled', cni['enabled']);
  return out;
}

function applyInjectorSettings(config: InjectConfig, values: JsonObject): void {
  const sw = values['sidecarInjectorWebhook'];
  if (!isObj(sw)) return;
  if (Array.isArray(sw['neverInjectSelector'])) config.neverInjectSelector = sw['neverInjectSelector'].filter(isObj);
  if (Array.isArray(sw['alwaysInjectSelector'])) config.alwaysInjectSelector = sw['alwaysInjectSelector'].filter(isObj);
  if (isObj(sw['injectedAnnotations'])) {
    config.injectedAnnotations = Object.fromEntries(Object.entries(sw['injectedAnnotations']).map(([k, v]) => [k, goString(v)]));
  }
  if (Array.isArray(sw['defaultTemplates']) && sw['defaultTemplates'].length > 0) {
    config.defaultTemplates = sw['defaultTemplates'].map(goString);
  }
  const global = values['global'];
  if (isObj(global) && isObj(global['proxy']) && typeof global['proxy']['autoInject'] === 'string') {
    config.policy = global['proxy']['autoInject'];
  }
}

/** Files istioctl kube-inject accepts in place of the cluster's ConfigMaps. */
export interface InjectConfigFiles {
  /** MeshConfig YAML (or the `istio` ConfigMap with a `mesh` key). */
  meshConfig?: string;
  /** Injector config YAML (`policy`, `defaultTemplates`, ...) or the sidecar-injector ConfigMap with a `config` key. */
  injectConfig?: string;
  /** Values JSON/YAML (or the sidecar-injector ConfigMap with a `values` key). */
  values?: string;
}

function unwrapConfigMap(text: string, key: string): unknown {
  const doc = parseYaml(text) as unknown;
  if (isObj(doc) && doc['kind'] === 'ConfigMap' && isObj(doc['data'])) {
    const inner = doc['data'][key];
    return typeof inner === 'string' ? parseYaml(inner) : undefined;
  }
  return doc;
}

/** Builds the injector configuration from defaults plus the given file contents. */
export function loadInjectConfig(files: InjectConfigFiles): InjectConfig {
  const config = defaultInjectConfig();
  if (files.values !== undefined) {
    const v = unwrapConfigMap(files.values, 'values');
    if (!isObj(v)) throw new Error('values file: expected a YAML/JSON object');
    config.values = mergeValues(config.values, v);
    applyInjectorSettings(config, config.values);
  }
  if (files.meshConfig !== undefined) {
    const m = unwrapConfigMap(files.meshConfig, 'mesh');
    if (m !== null && m !== undefined && !isObj(m)) throw new Error('mesh config file: expected a MeshConfig YAML object');
    if (isObj(m)) config.mesh = mergeValues(config.mesh, m);
  }
  if (files.injectConfig !== undefined) {
    const c = unwrapConfigMap(files.injectConfig, 'config');
    if (!isObj(c)) throw new Error('inject config file: expected a YAML object');
    if (typeof c['policy'] === 'string') config.policy = c['policy'];
    if (Array.isArray(c['defaultTemplates'])) config.defaultTemplates = c['defaultTemplates'].map(goString);
    if (isObj(c['aliases'])) {
      config.aliases = Object.fromEntries(Object.entries(c['aliases']).map(([k, v]) => [k, Array.isArray(v) ? v.map(goString) : []]));
    }
    if (Array.isArray(c['neverInjectSelector'])) config.neverInjectSelector = c['neverInjectSelector'].filter(isObj);
    if (Array.isArray(c['alwaysInjectSelector'])) config.alwaysInjectSelector = c['alwaysInjectSelector'].filter(isObj);
    if (isObj(c['injectedAnnotations'])) {
      config.injectedAnnotations = Object.fromEntries(Object.entries(c['injectedAnnotations']).map(([k, v]) => [k, goString(v)]));
    }
  }
  return config;
}
