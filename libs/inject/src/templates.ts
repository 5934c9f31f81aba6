// The built-in injection templates by name, and how a pod picks them (annotation, defaults, aliases).
import type { InjectConfig } from './defaults.ts';
import { customTemplateText, renderCustomTemplate } from './custom-template.ts';
import { InjectionError } from './errors.ts';
import { renderGateway } from './gateway-template.ts';
import { renderGrpcAgent } from './grpc-agent-template.ts';
import { renderGrpcSimple } from './grpc-simple-template.ts';
import { renderSidecar } from './sidecar-template.ts';
import type { RenderedPod, TemplateData } from './template-data.ts';

type Renderer = (d: TemplateData) => RenderedPod;

const builtin: Record<string, Renderer> = {
  sidecar: renderSidecar,
  gateway: renderGateway,
  'grpc-agent': renderGrpcAgent,
  'grpc-simple': renderGrpcSimple,
};

/** Template names for a pod: `inject.istio.io/templates` or the defaults, with aliases expanded. */
export function templateNames(annotations: Record<string, string>, config: InjectConfig): string[] {
  const a = annotations['inject.istio.io/templates'];
  const requested = a !== undefined ? a.split(',').map((s) => s.trim()) : config.defaultTemplates;
  return requested.flatMap((n) => config.aliases[n] ?? [n]);
}

/** Renders one named template. */
export function renderTemplate(name: string, d: TemplateData, config: InjectConfig): RenderedPod {
  // A user-defined template replaces a built-in one of the same name, as upstream's chart does.
  const custom = customTemplateText(name, config);
  if (custom !== undefined) return renderCustomTemplate(name, custom);
  const r = builtin[name];
  if (!r) {
    throw new InjectionError(`failed to run injection template: requested template "${name}" not found; have ${Object.keys(builtin).join(', ')}`);
  }
  return r(d);
}
