// The Kubernetes API as a config source: one informer (list + watch) per watched kind, all feeding one store.
import { KubeConfig, KubernetesObjectApi, makeInformer, type KubernetesObject } from '@kubernetes/client-node';
import { ObjectStore } from './object-store.ts';
import { watchedKinds, type WatchedKind } from './watched-kinds.ts';
import type { Change, ConfigSource, KubeObject } from './types.ts';

export interface KubeSourceOptions {
  /** Path of a kubeconfig file; default: in-cluster config, then KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  kinds?: readonly WatchedKind[];
  onError?: (kind: string, err: Error) => void;
  /** Delay before restarting a failed informer (ms). */
  retryMs?: number;
}

type Informer = ReturnType<typeof makeInformer<KubernetesObject>>;

/** Loads a KubeConfig the way Kubernetes clients usually do. */
export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env['KUBERNETES_SERVICE_HOST']) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

/** Dates and class instances from the client become plain JSON values, as a file source would give them. */
function plain(obj: KubernetesObject, w: WatchedKind): KubeObject {
  const o = JSON.parse(JSON.stringify(obj)) as KubeObject;
  o.apiVersion ??= w.apiVersion;
  o.kind ??= w.kind;
  return o;
}

export class KubeSource implements ConfigSource {
  private readonly store = new ObjectStore();
  private readonly listeners: ((changes: Change[]) => void)[] = [];
  private readonly informers: Informer[] = [];
  private readonly opts: KubeSourceOptions;
  private stopped = false;
  readonly config: KubeConfig;

  constructor(opts: KubeSourceOptions = {}) {
    this.opts = opts;
    this.config = loadKubeConfig(opts.kubeconfig);
  }

  async start(): Promise<void> {
    const api = KubernetesObjectApi.makeApiClient(this.config);
    await Promise.all((this.opts.kinds ?? watchedKinds).map((w) => this.startKind(api, w)));
  }

  private async startKind(api: KubernetesObjectApi, w: WatchedKind): Promise<void> {
    const informer = makeInformer<KubernetesObject>(this.config, w.path, () => api.list(w.apiVersion, w.kind));
    const emit = (change: Change | undefined) => {
      if (change) for (const l of this.listeners) l([change]);
    };
    informer.on('add', (o) => emit(this.store.upsert(plain(o, w))));
    informer.on('update', (o) => emit(this.store.upsert(plain(o, w))));
    informer.on('delete', (o) => emit(this.store.delete(plain(o, w))));
    informer.on('error', (err) => {
      this.opts.onError?.(w.kind, err instanceof Error ? err : new Error(String(err)));
      if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), this.opts.retryMs ?? 2000);
    });
    this.informers.push(informer);
    try {
      await informer.start();
    } catch (err) {
      // A kind whose CRD is not installed yet counts as synced-empty; the informer keeps retrying.
      this.opts.onError?.(w.kind, err instanceof Error ? err : new Error(String(err)));
      if (!this.stopped) setTimeout(() => void informer.start().catch(() => undefined), this.opts.retryMs ?? 2000);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop().catch(() => undefined)));
  }

  list(): KubeObject[] {
    return this.store.list();
  }

  onChange(listener: (changes: Change[]) => void): void {
    this.listeners.push(listener);
  }
}
