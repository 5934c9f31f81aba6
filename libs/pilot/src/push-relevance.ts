// Which source changes can alter what istiod sends over xDS. ConfigMaps are watched for the mesh config, but most
// ConfigMaps (istio-ca-root-cert, which istiod itself writes into every namespace, the injector's templates, app
// data) cannot change any proxy's config: pushing for them only delays the pushes that matter.
import type { Change } from '@mesh/kube';

/** The mesh config ConfigMap's name (upstream: `istio`, or `istio-<revision>` for a revision). */
export const defaultMeshConfigMapName = 'istio';

/** True when the change may alter generated xDS config and so should trigger a (debounced) push. */
export function affectsXds(change: Change, meshConfigMapName = defaultMeshConfigMapName): boolean {
  if (change.object.kind === 'ConfigMap') return change.object.metadata.name === meshConfigMapName;
  return true;
}
