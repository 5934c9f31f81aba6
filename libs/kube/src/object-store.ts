import { objectKey, type Change, type KubeObject } from './types.ts';

/** Objects by key with change detection; `replaceAll` and `apply` return what actually changed. */
export class ObjectStore {
  private readonly objects = new Map<string, { object: KubeObject; json: string }>();

  list(): KubeObject[] {
    return [...this.objects.values()].map((e) => e.object);
  }

  get size(): number {
    return this.objects.size;
  }

  /** Adds or updates one object; returns the change, or undefined when nothing differs. */
  upsert(object: KubeObject): Change | undefined {
    const key = objectKey(object);
    const json = JSON.stringify(object);
    const prev = this.objects.get(key);
    if (prev && prev.json === json) return undefined;
    this.objects.set(key, { object, json });
    return { type: prev ? 'update' : 'add', key, object };
  }

  delete(object: KubeObject): Change | undefined {
    const key = objectKey(object);
    const prev = this.objects.get(key);
    if (!prev) return undefined;
    this.objects.delete(key);
    return { type: 'delete', key, object: prev.object };
  }

  /** Makes the store hold exactly `next`; returns adds, updates and deletes. */
  replaceAll(next: KubeObject[]): Change[] {
    const changes: Change[] = [];
    const seen = new Set<string>();
    for (const obj of next) {
      seen.add(objectKey(obj));
      const c = this.upsert(obj);
      if (c) changes.push(c);
    }
    for (const [key, { object }] of [...this.objects]) {
      if (!seen.has(key)) {
        this.objects.delete(key);
        changes.push({ type: 'delete', key, object });
      }
    }
    return changes;
  }
}
