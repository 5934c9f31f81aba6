// Upstream's injection goldens (../shared/istio/inject): kube-inject output must equal each golden after
// normalising images, and the webhook path (AdmissionReview → JSON patch → patched pod) must produce the
// same pod template. Cases and their settings are discovered from cases.json and the testdata folder.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { kubeInject } from './kube-inject.ts';
import { handleAdmissionReview } from './admission.ts';
import { applyPatch, type PatchOp } from './json-patch.ts';
import { isObj } from './json-util.ts';
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { goldenExists, loadUpstreamCases, normaliseImages, testdataDir } from './upstream-cases.ts';
import { objectAtPath, shapePodSpec, workloadShape } from './kube-shape.ts';
import { splitYamlDocuments } from './kube-inject.ts';

// Templates we have not implemented yet; their cases are reported, not asserted.
const unsupportedTemplates = /inject\.istio\.io\/templates:\s*"?(waypoint|kube-gateway|agentgateway)/;

const cases = loadUpstreamCases();
const read = (f: string): string => readFileSync(join(testdataDir, f), 'utf8');
const summary = { matched: 0, total: 0, skippedTemplates: [] as string[] };

afterAll(() => {
  console.log(`kube-inject goldens matched: ${summary.matched}/${summary.total}; not implemented (templates): ${summary.skippedTemplates.join(', ') || 'none'}`);
});

describe('kube-inject matches upstream goldens', () => {
  for (const c of cases) {
    if (c.skipInjection) continue;
    if (c.expectedError) {
      it(`${c.input} fails with "${c.expectedError}"`, () => {
        summary.total++;
        expect(() => kubeInject(read(c.input), c.config, c.input)).toThrow();
        try {
          kubeInject(read(c.input), c.config, c.input);
        } catch (e) {
          expect((e as Error).message.toLowerCase()).toContain(c.expectedError);
        }
        summary.matched++;
      });
      continue;
    }
    if (!goldenExists(c)) continue;
    const input = read(c.input);
    const test = unsupportedTemplates.test(input) ? it.skip : it;
    if (unsupportedTemplates.test(input)) summary.skippedTemplates.push(c.want as string);
    test(`${c.input} → ${c.want}`, () => {
      summary.total++;
      const got = normaliseImages(kubeInject(input, c.config, c.input).output.trim());
      const want = normaliseImages(read(c.want as string).trim());
      expect(got).toBe(want);
      summary.matched++;
    });
  }
});

/** The pods (metadata + spec) a golden holds, in document order. */
function goldenPods(text: string): JsonObject[] {
  const pods: JsonObject[] = [];
  const visit = (doc: JsonValue): void => {
    if (!isObj(doc)) return;
    if (doc['kind'] === 'List' && Array.isArray(doc['items'])) {
      doc['items'].forEach(visit);
      return;
    }
    const shape = workloadShape(String(doc['apiVersion']), String(doc['kind']));
    if (!shape) return;
    const spec = isObj(doc['spec']) ? doc['spec'] : {};
    if (doc['kind'] === 'Pod') {
      pods.push({ metadata: doc['metadata'] ?? {}, spec });
      return;
    }
    const m = structuredClone(objectAtPath(spec, shape.metadataPath, false) ?? {});
    // A pod created from the workload would carry a name; the owner env is compared loosely below.
    if (!m['name'] && isObj(doc['metadata'])) m['name'] = doc['metadata']['name'] ?? 'pod';
    pods.push({
      metadata: m,
      spec: objectAtPath(spec, shape.specPath, false) ?? {},
    });
  };
  for (const d of splitYamlDocuments(text)) visit(parseYaml(d) as JsonValue);
  return pods;
}

function comparable(pod: JsonObject): string {
  const p = structuredClone(pod);
  const meta = isObj(p['metadata']) ? p['metadata'] : {};
  for (const k of ['name', 'namespace', 'creationTimestamp']) delete meta[k];
  const spec = isObj(p['spec']) ? p['spec'] : {};
  shapePodSpec(spec);
  return normaliseImages(JSON.stringify(sortKeys({ metadata: meta, spec })));
}

function sortKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObj(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k] as JsonValue);
  return out;
}

describe('webhook path produces the golden pods', () => {
  for (const c of cases) {
    if (c.skipWebhook || c.expectedError || !goldenExists(c) || c.skipInjection) continue;
    const input = read(c.input);
    if (unsupportedTemplates.test(input)) continue;
    it(`${c.input} via AdmissionReview`, () => {
      const inputPods = goldenPods(input);
      const wantPods = goldenPods(read(c.want as string));
      expect(inputPods.length).toBe(wantPods.length);
      inputPods.forEach((pod, i) => {
        const meta = pod['metadata'] as JsonObject;
        const wantPod = wantPods[i] as JsonObject;
        const wantInjected = isObj(wantPod['metadata']) && isObj(wantPod['metadata']['annotations']) &&
          'sidecar.istio.io/status' in wantPod['metadata']['annotations'];
        const review = {
          apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview',
          request: { uid: `uid-${i}`, namespace: 'default', object: { apiVersion: 'v1', kind: 'Pod', ...pod, metadata: { ...meta } } },
        };
        const res = handleAdmissionReview(review, c.config);
        const response = res['response'] as JsonObject;
        expect(response['uid']).toBe(`uid-${i}`);
        expect(response['allowed']).toBe(true);
        if (!wantInjected) {
          expect(response['patch']).toBeUndefined();
          return;
        }
        const ops = JSON.parse(Buffer.from(String(response['patch']), 'base64').toString()) as PatchOp[];
        const original = structuredClone(review.request.object) as JsonObject;
        (original['metadata'] as JsonObject)['namespace'] = 'default';
        const patched = applyPatch(original, ops) as JsonObject;
        const owner = /kubernetes:\/\/apis\/[^"]+/g;
        // The webhook sees a bare Pod, so the owner/workload env differ from kube-inject's; compare the rest.
        const strip = (s: string): string => s.replace(owner, 'OWNER').replace(/"ISTIO_META_WORKLOAD_NAME","value":"[^"]*"/g, 'WL')
          .replace(/"service\.istio\.io\/canonical-name":"[^"]*"/g, 'CN');
        expect(strip(comparable(patched))).toBe(strip(comparable(wantPod)));
        // Re-injecting the result changes nothing (idempotency). Pods with user overrides of injected
        // containers are left out: upstream re-renders those containers on re-injection as well.
        const patchedAnnotations = (patched['metadata'] as JsonObject)['annotations'];
        if (isObj(patchedAnnotations) && 'proxy.istio.io/overrides' in patchedAnnotations) return;
        // Inputs that were injected before (with another layout) keep their custom proxy only once, as upstream.
        if (isObj(meta['annotations']) && 'sidecar.istio.io/status' in meta['annotations']) return;
        const again = handleAdmissionReview({ ...review, request: { ...review.request, object: patched } }, c.config);
        const ops2 = JSON.parse(Buffer.from(String((again['response'] as JsonObject)['patch']), 'base64').toString()) as PatchOp[];
        expect(strip(comparable(applyPatch(patched, ops2) as JsonObject))).toBe(strip(comparable(patched)));
      });
    });
  }
});
