// User-defined injection templates (values.sidecarInjectorWebhook.templates, e.g. the SPIRE volume overlay):
// static YAML pod fragments merged after the built-in templates. Go template syntax cannot be evaluated here, so a
// template that uses it is refused with a message instead of being applied half-rendered.
import { parse as parseYaml } from 'yaml';
import type { InjectConfig } from './defaults.ts';
import { InjectionError } from './errors.ts';
import type { JsonObject } from './go-yaml.ts';
import { goString, isObj } from './json-util.ts';
import type { RenderedPod } from './template-data.ts';

/** The text of a user-defined template, or undefined when there is none with that name. */
export function customTemplateText(name: string, config: InjectConfig): string | undefined {
  const webhook = config.values['sidecarInjectorWebhook'];
  const templates = isObj(webhook) ? webhook['templates'] : undefined;
  const text = isObj(templates) ? templates[name] : undefined;
  return typeof text === 'string' ? text : undefined;
}

const stringMap = (v: unknown): Record<string, string> =>
  isObj(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, goString(x)])) : {};

/** Renders a static user-defined template into a partial pod. */
export function renderCustomTemplate(name: string, text: string): RenderedPod {
  if (text.includes('{{')) {
    throw new InjectionError(`failed to run injection template: template "${name}" uses Go template syntax, which this injector does not evaluate; write it as plain YAML`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new InjectionError(`failed to parse injection template "${name}": ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return { metadata: { labels: {}, annotations: {} }, spec: {} };
  if (!isObj(doc)) throw new InjectionError(`injection template "${name}": expected a YAML object with metadata and/or spec`);
  const metadata = isObj(doc['metadata']) ? doc['metadata'] : {};
  const spec: JsonObject = isObj(doc['spec']) ? structuredClone(doc['spec']) : {};
  return { metadata: { labels: stringMap(metadata['labels']), annotations: stringMap(metadata['annotations']) }, spec };
}
