// Envoy's v3 protos, loaded once and lazily with protobufjs from the include dirs bundled in @grpc/grpc-js-xds.
//
// Usage: `const root = protoRoot(); const t = lookupMessage('envoy.config.cluster.v3.Cluster');`
//
// Every v3 file of the bundled envoy-api (plus xds, udpa TypedStruct and google.rpc.Status) is loaded so that
// any Any in a real config (compressors, access loggers, tracers...) can be decoded. Files whose imports are
// not bundled (OpenCensus, OpenTelemetry protos) are skipped. Loading takes a few hundred milliseconds and
// happens on first use only; the Root is cached for the life of the process, and its JSON descriptor is cached
// on disk (MESH_PROTO_CACHE_DIR, default <tmpdir>/mesh-xds-protos; "off" disables) keyed by the proto sources, which
// shortens the next process's start-up.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

/** The include directories: envoy-api, xds, googleapis, protoc-gen-validate and protobufjs' own google/protobuf. */
export function protoIncludeDirs(): string[] {
  const xdsPackage = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const deps = join(xdsPackage, 'deps');
  const protobufPackage = dirname(require.resolve('protobufjs/package.json'));
  return [
    join(deps, 'envoy-api'),
    join(deps, 'xds'),
    join(deps, 'googleapis'),
    join(deps, 'protoc-gen-validate'),
    protobufPackage,
  ];
}

/**
 * protobufjs finds its `long` dependency with a runtime require that some loaders (vitest) defeat; without it,
 * 64-bit fields decode to lossy numbers. Give protobufjs the same `long` it would have found itself.
 */
function ensureLongSupport(): void {
  if (protobuf.util.Long) return;
  const protobufDir = dirname(require.resolve('protobufjs/package.json'));
  const longModule = createRequire(join(protobufDir, 'package.json'))('long') as { default?: unknown } & object;
  protobuf.util.Long = ('default' in longModule ? longModule.default : longModule) as typeof protobuf.util.Long;
  protobuf.configure();
}

const commonProtos = protobuf.common as unknown as Record<string, unknown>;

function listProtos(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) listProtos(full, out);
    else if (entry.name.endsWith('.proto')) out.push(full);
  }
  return out;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Finds an import path in the include dirs; protobufjs' bundled well-known types resolve to themselves. */
function resolveImport(includes: readonly string[], target: string): string | undefined {
  if (commonProtos[target] !== undefined) return target;
  for (const dir of includes) {
    const candidate = join(dir, target);
    if (isFile(candidate)) return candidate;
  }
  return undefined;
}

const importPattern = /^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm;

/** True when the file and everything it imports, transitively, can be found. */
function loadableFrom(includes: readonly string[], memo: Map<string, boolean>, target: string): boolean {
  const known = memo.get(target);
  if (known !== undefined) return known;
  memo.set(target, true); // cycles are resolved optimistically
  const file = resolveImport(includes, target);
  let ok = file !== undefined;
  if (file !== undefined && file !== target) {
    for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
      if (!loadableFrom(includes, memo, match[1] ?? '')) {
        ok = false;
        break;
      }
    }
  }
  memo.set(target, ok);
  return ok;
}

/** The import paths (relative to an include dir) of every proto file the codec loads. */
export function meshProtoFiles(includes: readonly string[] = protoIncludeDirs()): string[] {
  const [envoyApi, xds] = includes;
  if (envoyApi === undefined || xds === undefined) throw new Error('protoIncludeDirs must list envoy-api and xds first');
  const candidates = [
    ...listProtos(join(envoyApi, 'envoy'))
      .map((file) => relative(envoyApi, file))
      .filter((file) => /\/v3(alpha)?\//.test(file)),
    ...listProtos(join(xds, 'xds')).map((file) => relative(xds, file)),
    'udpa/type/v1/typed_struct.proto',
    'google/rpc/status.proto',
    ...['any', 'duration', 'empty', 'field_mask', 'struct', 'timestamp', 'wrappers'].map((n) => `google/protobuf/${n}.proto`),
  ];
  const memo = new Map<string, boolean>();
  return candidates.filter((file) => loadableFrom(includes, memo, file)).sort();
}

let cachedRoot: protobuf.Root | undefined;
let loadMillis = 0;

function cacheDir(): string | undefined {
  const configured = process.env['MESH_PROTO_CACHE_DIR'];
  if (configured === 'off') return undefined;
  return configured !== undefined && configured !== '' ? configured : join(tmpdir(), 'mesh-xds-protos');
}

/** Bump when the set of loaded files or the loading options change. */
const selectionVersion = '1';

/** A key that changes whenever the bundled protos (package versions and paths) or protobufjs change. */
function sourcesKey(includes: readonly string[]): string {
  const hash = createHash('sha256');
  hash.update(selectionVersion);
  for (const dir of includes) hash.update(`${dir}\n`);
  for (const pkg of ['@grpc/grpc-js-xds/package.json', 'protobufjs/package.json']) hash.update(readFileSync(require.resolve(pkg)));
  return hash.digest('hex').slice(0, 24);
}

function loadFromSources(includes: readonly string[], files: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => resolveImport(includes, target) ?? target;
  root.loadSync([...files], { keepCase: true });
  return root;
}

function readCache(path: string): protobuf.Root | undefined {
  try {
    return protobuf.Root.fromJSON(JSON.parse(readFileSync(path, 'utf8')) as protobuf.INamespace);
  } catch {
    return undefined; // missing or corrupt: load from sources
  }
}

function writeCache(dir: string, path: string, root: protobuf.Root): void {
  try {
    mkdirSync(dir, { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(root.toJSON()));
    renameSync(temporary, path);
  } catch {
    // a read-only file system only costs start-up time
  }
}

/** The Root with every mesh proto, loaded on first call and cached. */
export function protoRoot(): protobuf.Root {
  if (cachedRoot !== undefined) return cachedRoot;
  const started = performance.now();
  ensureLongSupport();
  const includes = protoIncludeDirs();
  const dir = cacheDir();
  const cachePath = dir === undefined ? undefined : join(dir, `envoy-${sourcesKey(includes)}.json`);
  let root = cachePath === undefined ? undefined : readCache(cachePath);
  if (root === undefined) {
    root = loadFromSources(includes, meshProtoFiles(includes));
    if (dir !== undefined && cachePath !== undefined) writeCache(dir, cachePath, root);
  }
  cachedRoot = root;
  loadMillis = performance.now() - started;
  return root;
}

/** How long the one-time proto load took, in milliseconds (0 before the first load). */
export function protoLoadMillis(): number {
  return loadMillis;
}

/** Strips a type URL ("type.googleapis.com/x.y.Z") or a leading dot down to the message's full name. */
export function typeNameOf(typeNameOrUrl: string): string {
  const slash = typeNameOrUrl.lastIndexOf('/');
  const name = slash >= 0 ? typeNameOrUrl.slice(slash + 1) : typeNameOrUrl;
  return name.startsWith('.') ? name.slice(1) : name;
}

/** Lookups by the exact string asked (full name or type URL); the root never changes once loaded. */
const foundByName = new Map<string, protobuf.Type | undefined>();

/** The message type with this full name or type URL, or undefined when the mesh protos do not define it. */
export function findMessage(typeNameOrUrl: string): protobuf.Type | undefined {
  // Every Any and well-known field of every encoded resource asks: the namespace walk is costly, the answer fixed.
  if (foundByName.has(typeNameOrUrl)) return foundByName.get(typeNameOrUrl);
  const found = findMessageUncached(typeNameOrUrl);
  if (foundByName.size < 10_000) foundByName.set(typeNameOrUrl, found);
  return found;
}

function findMessageUncached(typeNameOrUrl: string): protobuf.Type | undefined {
  const name = typeNameOf(typeNameOrUrl);
  if (name === '') return undefined;
  try {
    const found = protoRoot().lookup('.' + name);
    return found instanceof protobuf.Type ? found : undefined;
  } catch {
    return undefined;
  }
}

/** The message type with this full name or type URL; throws when unknown. */
export function lookupMessage(typeNameOrUrl: string): protobuf.Type {
  const found = findMessage(typeNameOrUrl);
  if (found === undefined) throw new Error(`unknown protobuf message type "${typeNameOf(typeNameOrUrl)}"`);
  return found;
}
