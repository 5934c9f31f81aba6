/** One finding of the validator: where (a field path like `spec.http[0].route[1].weight`) and why. */
export interface Issue {
  path: string;
  message: string;
}

/** The verdict for one resource: errors block admission, warnings never do. */
export interface ValidationResult {
  errors: Issue[];
  warnings: Issue[];
}

/** Appends an index or a field name to a field path. */
export function child(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}

/** Collects errors and warnings while a validator walks a resource. */
export class Report {
  readonly errors: Issue[] = [];
  readonly warnings: Issue[] = [];

  /** Records an error at a field path. */
  error(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Records a warning at a field path. */
  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** Records an error when the check returned a message. */
  check(path: string, message: string | undefined): void {
    if (message !== undefined) this.error(path, message);
  }

  /** True when no error has been recorded. */
  get ok(): boolean {
    return this.errors.length === 0;
  }

  /** The collected result. */
  result(): ValidationResult {
    return { errors: [...this.errors], warnings: [...this.warnings] };
  }
}
