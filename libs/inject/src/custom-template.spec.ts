import { describe, expect, it } from 'vitest';
import { defaultInjectConfig } from './defaults.ts';
import { customTemplateText, renderCustomTemplate } from './custom-template.ts';
import { InjectionError } from './errors.ts';

describe('user-defined injection templates', () => {
  it('are found by name under values.sidecarInjectorWebhook.templates', () => {
    const config = defaultInjectConfig();
    config.values['sidecarInjectorWebhook'] = { templates: { hello: 'metadata:\n  labels:\n    hello: world\n' } };
    expect(customTemplateText('hello', config)).toContain('hello: world');
    expect(customTemplateText('other', config)).toBeUndefined();
  });

  it('render static YAML into labels, annotations and a spec fragment', () => {
    const r = renderCustomTemplate('x', 'metadata:\n  labels: {a: "1"}\n  annotations: {b: 2}\nspec:\n  volumes:\n  - name: v\n');
    expect(r).toEqual({ metadata: { labels: { a: '1' }, annotations: { b: '2' } }, spec: { volumes: [{ name: 'v' }] } });
  });

  it('refuse Go template syntax and malformed YAML with the template name', () => {
    expect(() => renderCustomTemplate('tpl', 'metadata:\n  labels:\n    x: {{ .Values.x }}\n')).toThrow(/template "tpl" uses Go template syntax/);
    expect(() => renderCustomTemplate('bad', 'spec: [unclosed')).toThrow(InjectionError);
    expect(() => renderCustomTemplate('list', '- a\n- b\n')).toThrow(/expected a YAML object/);
  });
});
