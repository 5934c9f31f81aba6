// Public surface of @mesh/inject: sidecar injection shared by the istiod webhook and istioctl kube-inject.
export { defaultInjectConfig, defaultMeshConfig, defaultValues, type InjectConfig } from './defaults.ts';
export { injectPod, type InjectionRequest } from './inject-pod.ts';
export { InjectionError } from './errors.ts';
export { kubeInject, splitYamlDocuments, type KubeInjectResult } from './kube-inject.ts';
export { injectRequired, selectorMatches } from './selection.ts';
export { toGoYaml, type JsonObject, type JsonValue } from './go-yaml.ts';
export { applySetFlags, applyOperatorOverlay, loadInjectConfig } from './settings.ts';
export { handleAdmissionReview, parseInjectEnvs, type AdmissionOptions } from './admission.ts';
export { createPatch, applyPatch, type PatchOp } from './json-patch.ts';
