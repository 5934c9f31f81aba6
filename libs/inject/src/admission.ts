// The /inject webhook's AdmissionReview contract: decode the review, decide whether the pod is injected,
// and answer with a base64 JSON patch. Pure and total: malformed input gives a clear `allowed: false`.
import type { InjectConfig } from './defaults.ts';
import type { JsonObject, JsonValue } from './go-yaml.ts';
import { goString, isObj } from './json-util.ts';
import { injectPod } from './inject-pod.ts';
import { injectRequired } from './selection.ts';
import { deployMetaFromPod } from './deploy-meta.ts';
import { createPatch } from './json-patch.ts';

/** Options the HTTP layer passes through. */
export interface AdmissionOptions {
  /** The request path (`/inject/cluster/c1/net/n1` carries env overrides). */
  path?: string;
  /** The pod's namespace object when known (OpenShift UID ranges). */
  namespace?: JsonObject;
}

/** Env overrides encoded in the webhook path: `/inject/cluster/<id>/net/<network>/<key>/<value>...`. */
export function parseInjectEnvs(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  const rest = path.replace(/^\/inject\/?/, '');
  if (rest === '') return env;
  if (rest.startsWith(':ENV:')) {
    for (const kv of rest.split(':ENV:').slice(1)) {
      const eq = kv.indexOf('=');
      if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    return env;
  }
  const parts = rest.split('/').filter((p) => p !== '');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const key = parts[i] as string;
    const value = (parts[i + 1] as string).replace(/--slash--/g, '/');
    const name = key === 'cluster' ? 'ISTIO_META_CLUSTER_ID' : key === 'net' ? 'ISTIO_META_NETWORK' : key.toUpperCase();
    env[name] = value;
  }
  return env;
}

function reply(apiVersion: string, uid: string, response: JsonObject): JsonObject {
  return { apiVersion, kind: 'AdmissionReview', response: { uid, ...response } };
}

/** Handles one AdmissionReview (v1 or v1beta1) and returns the review to send back; never throws. */
export function handleAdmissionReview(review: unknown, config: InjectConfig, opts: AdmissionOptions = {}): JsonObject {
  const apiVersion = isObj(review) && review['apiVersion'] === 'admission.k8s.io/v1beta1' ? 'admission.k8s.io/v1beta1' : 'admission.k8s.io/v1';
  const fail = (uid: string, message: string): JsonObject => reply(apiVersion, uid, { allowed: false, status: { message } });
  if (!isObj(review)) return fail('', 'could not decode body: expected a JSON AdmissionReview object');
  if (review['kind'] !== 'AdmissionReview') return fail('', `could not decode body: kind: expected "AdmissionReview", got "${goString(review['kind'] as JsonValue)}"`);
  if (!['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'].includes(goString(review['apiVersion'] as JsonValue))) {
    return fail('', `could not decode body: apiVersion: expected admission.k8s.io/v1 or v1beta1, got "${goString(review['apiVersion'] as JsonValue)}"`);
  }
  const request = review['request'];
  if (!isObj(request)) return fail('', 'could not decode body: request: required');
  const uid = goString(request['uid']);
  const object = request['object'];
  if (!isObj(object)) return fail(uid, 'Could not unmarshal raw object: request.object: expected a Pod object');
  if (object['spec'] !== undefined && !isObj(object['spec'])) return fail(uid, 'Could not unmarshal raw object: spec: expected an object');
  if (object['metadata'] !== undefined && !isObj(object['metadata'])) {
    return fail(uid, 'Could not unmarshal raw object: metadata: expected an object');
  }
  try {
    // Only metadata is edited here and injectPod copies what it changes, so a shallow copy keeps the caller's
    // review untouched without deep-cloning the whole pod per request.
    const pod: JsonObject = { ...object };
    const meta: JsonObject = isObj(pod['metadata']) ? { ...pod['metadata'] } : {};
    pod['metadata'] = meta;
    delete meta['managedFields'];
    if (!meta['namespace'] && request['namespace']) meta['namespace'] = goString(request['namespace']);
    const spec: JsonObject = isObj(pod['spec']) ? pod['spec'] : {};
    if (!injectRequired(config, spec, meta)) return reply(apiVersion, uid, { allowed: true });
    const { deployMeta, typeMeta } = deployMetaFromPod(pod);
    const injected = injectPod({
      pod, deployMeta, typeMeta, ...(opts.namespace ? { namespace: opts.namespace } : {}), proxyEnvs: parseInjectEnvs(opts.path ?? '/inject'),
    }, config);
    const patch = createPatch(pod, injected);
    return reply(apiVersion, uid, {
      allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
    });
  } catch (e) {
    return fail(uid, e instanceof Error ? e.message : String(e));
  }
}
