// The error every codec function throws for bad input: it names the field path and the reason.

/** A conversion failure at a field path such as `filter_chains[0].filters[0].typed_config.stat_prefix`. */
export class CodecError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(path === '' ? reason : `${path}: ${reason}`);
    this.name = 'CodecError';
    this.path = path;
    this.reason = reason;
  }
}

/** Appends a field name to a path. */
export function fieldPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Appends a list index to a path. */
export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** Appends a map key to a path. */
export function keyPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}

/** A short description of a JSON value's type for error messages. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}
