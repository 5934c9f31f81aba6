// A directory of Kubernetes-shaped YAML (any depth, *.yaml|*.yml|*.json) as a config source, watched for changes.
// Local mode and tests use it in place of the Kubernetes API; it delivers the same objects and change events.
import { watch, type FSWatcher, type Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ObjectStore } from './object-store.ts';
import { isKubeObject, type Change, type ConfigSource, type KubeObject } from './types.ts';

export interface FileSourceOptions {
  dir: string;
  /** Namespace given to namespaced objects that do not name one (default "default"). */
  defaultNamespace?: string;
  /** Quiet time after a file event before rescanning (ms). */
  settleMs?: number;
  /** Reports a file or document that could not be read; the rest still loads. */
  onError?: (err: Error) => void;
  /**
   * How often to compare the directory's file list and mtimes as a safety net (ms; 0 disables). Recursive fs.watch
   * on Linux misses some replace-by-rename updates, which editors and `kubectl`-like tools use.
   */
  pollMs?: number;
}

const clusterScoped = new Set(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'Node']);

/** Parses YAML text into Kubernetes objects; a `List` kind is flattened; bad documents are reported with file and index. */
export function parseObjects(text: string, file: string, defaultNamespace = 'default'): { objects: KubeObject[]; errors: Error[] } {
  const objects: KubeObject[] = [];
  const errors: Error[] = [];
  const docs = parseAllDocuments(text);
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      errors.push(new Error(`${file}: document ${i}: ${doc.errors[0]?.message ?? 'invalid YAML'}`));
      return;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const items = isList(value) ? value.items : [value];
    for (const item of items) {
      if (!isKubeObject(item)) {
        errors.push(new Error(`${file}: document ${i}: not a Kubernetes object (apiVersion, kind and metadata.name are required)`));
        continue;
      }
      if (!item.metadata.namespace && !clusterScoped.has(item.kind)) item.metadata.namespace = defaultNamespace;
      objects.push(item);
    }
  });
  return { objects, errors };
}

function isList(v: unknown): v is { items: unknown[] } {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'List' && Array.isArray((v as { items?: unknown }).items);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (/\.(ya?ml|json)$/.test(entry.name) && !entry.name.startsWith('.')) out.push(p);
  }
  return out.sort();
}

/** A file's objects as parsed at the stamp (inode, size, mtime) it had when read. */
interface ParsedFile {
  stamp: string;
  objects: KubeObject[];
}

/** What identifies a file's content without reading it: a write changes mtime/size, a replace-by-rename the inode. */
function fileStamp(st: Stats): string {
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
}

export class FileSource implements ConfigSource {
  private readonly store = new ObjectStore();
  private readonly listeners: ((changes: Change[]) => void)[] = [];
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private signature = '';
  private scanning: Promise<void> = Promise.resolve();
  /** Parsed objects of each file at the last scan, with the stamp they were read at. */
  private files = new Map<string, ParsedFile>();
  private readonly opts: FileSourceOptions;

  constructor(opts: FileSourceOptions) {
    this.opts = opts;
  }

  async start(): Promise<void> {
    await this.rescan();
    this.watcher = watch(this.opts.dir, { recursive: true }, () => this.schedule());
    this.watcher.on('error', (err) => this.opts.onError?.(err));
    const pollMs = this.opts.pollMs ?? 1000;
    if (pollMs > 0) {
      this.poller = setInterval(() => void this.pollOnce(), pollMs);
      this.poller.unref();
    }
  }

  /** Rescans when the set of files or any file's size, mtime or inode changed since the last scan. */
  private async pollOnce(): Promise<void> {
    let sig: string;
    try {
      sig = await this.dirSignature();
    } catch {
      return;
    }
    if (sig !== this.signature) this.schedule();
  }

  private async dirSignature(): Promise<string> {
    const parts: string[] = [];
    for (const f of await listFiles(this.opts.dir)) {
      try {
        parts.push(`${f}:${fileStamp(await stat(f))}`);
      } catch {
        // removed meanwhile
      }
    }
    return parts.join('|');
  }

  async stop(): Promise<void> {
    this.watcher?.close();
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    await this.scanning;
  }

  list(): KubeObject[] {
    return this.store.list();
  }

  onChange(listener: (changes: Change[]) => void): void {
    this.listeners.push(listener);
  }

  /** Re-reads the directory now (tests and callers that just wrote files can use it instead of waiting). */
  refresh(): Promise<void> {
    return this.rescan();
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.rescan(), this.opts.settleMs ?? 50);
  }

  private rescan(): Promise<void> {
    this.scanning = this.scanning.then(async () => {
      let files: string[] = [];
      try {
        files = await listFiles(this.opts.dir);
      } catch (err) {
        this.signature = '';
        this.opts.onError?.(err as Error);
        return;
      }
      const all: KubeObject[] = [];
      const signature: string[] = [];
      const parsed = new Map<string, ParsedFile>();
      for (const f of files) {
        const file = await this.loadFile(f);
        if (file === undefined) continue; // removed between listing and reading
        signature.push(`${f}:${file.stamp}`);
        parsed.set(f, file);
        all.push(...file.objects);
      }
      // Files that disappeared drop out here, so the cache never outgrows the directory.
      this.files = parsed;
      this.signature = signature.join('|');
      const changes = this.store.replaceAll(all);
      if (changes.length > 0) for (const l of this.listeners) l(changes);
    });
    return this.scanning;
  }

  /** Reads and parses `f` unless its inode, size and mtime are those of the last scan (then its objects are reused). */
  private async loadFile(f: string): Promise<ParsedFile | undefined> {
    let stamp: string;
    try {
      stamp = fileStamp(await stat(f));
    } catch {
      return undefined;
    }
    const cached = this.files.get(f);
    if (cached !== undefined && cached.stamp === stamp) return cached;
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch {
      return undefined;
    }
    const { objects, errors } = parseObjects(text, f, this.opts.defaultNamespace);
    for (const e of errors) this.opts.onError?.(e);
    return { stamp, objects };
  }
}
