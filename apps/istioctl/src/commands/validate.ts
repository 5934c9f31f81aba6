// istioctl validate: validates Istio resources in files, directories or stdin with the same rules as the webhook,
// printing upstream's report format (`Error: N errors occurred:` / `"<file>" is valid`).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Command } from 'commander';
import { validateObject } from '@mesh/validation';
import type { Issue } from '@mesh/validation';
import { parseAllDocuments } from 'yaml';

interface ValidateOptions {
  filename?: string[];
}

/** What validating one file found: prefixed error and warning lines. */
interface FileReport {
  errors: string[];
  warnings: string[];
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function formatIssue(prefix: string, issue: Issue): string {
  return issue.path ? `${prefix} ${issue.path}: ${issue.message}` : `${prefix} ${issue.message}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one decoded object (or each item of a List); non-Istio kinds are skipped as upstream does. */
function validateDocument(doc: unknown, defaultNamespace: string | undefined, report: FileReport): void {
  if (!isObject(doc)) {
    if (doc !== null && doc !== undefined) report.errors.push(`document is not an object: ${JSON.stringify(doc).slice(0, 80)}`);
    return;
  }
  const kind = typeof doc['kind'] === 'string' ? doc['kind'] : '';
  const apiVersion = typeof doc['apiVersion'] === 'string' ? doc['apiVersion'] : '';
  if (kind.endsWith('List') && Array.isArray(doc['items'])) {
    for (const item of doc['items']) validateDocument(item, defaultNamespace, report);
    return;
  }
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  // Kubernetes objects that are not Istio config (Deployments, Services, ...) are not ours to judge.
  if (kind !== '' && apiVersion !== '' && !group.endsWith('istio.io')) return;
  const metadata = isObject(doc['metadata']) ? doc['metadata'] : {};
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  let namespace = typeof metadata['namespace'] === 'string' ? metadata['namespace'] : '';
  if (namespace === '' && defaultNamespace) {
    namespace = defaultNamespace;
    doc = { ...doc, metadata: { ...metadata, namespace } };
  }
  const result = validateObject(doc);
  const prefix = `${kind}/${namespace}/${name}:`;
  for (const e of result.errors) report.errors.push(formatIssue(prefix, e));
  for (const w of result.warnings) report.warnings.push(formatIssue(prefix, w));
}

/** Parses a multi-document YAML (or JSON) text and validates every document. */
export function validateText(text: string, defaultNamespace?: string): FileReport {
  const report: FileReport = { errors: [], warnings: [] };
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      report.errors.push(`YAML decoding error: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
      continue;
    }
    validateDocument(doc.toJS(), defaultNamespace, report);
  }
  return report;
}

function listManifests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listManifests(full));
    else if (MANIFEST_EXTENSIONS.has(extname(entry.name))) out.push(full);
  }
  return out;
}

/** Formats a list the way go-multierror does (`N errors occurred:` and tab-indented bullets). */
function multiError(items: string[]): string {
  const head = items.length === 1 ? '1 error occurred:' : `${items.length} errors occurred:`;
  return `${head}\n${items.map((i) => `\t* ${i}`).join('\n')}\n\n`;
}

function bullets(items: string[]): string {
  return `\n\t${items.map((i) => `* ${i}`).join('\n\t')}\n`;
}

/** Runs the validation of the given files/directories ('-' reads stdin); returns the process exit code. */
export function runValidate(filenames: string[], defaultNamespace: string | undefined, out: NodeJS.WritableStream): number {
  if (filenames.length === 0) {
    out.write(`Error: you must specify resources by --filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n`);
    return 1;
  }
  const errors: string[] = [];
  const warningsByName = new Map<string, string[]>();
  const processFile = (path: string, label: string): void => {
    let text: string;
    try {
      text = path === '-' ? readFileSync(0, 'utf8') : readFileSync(path, 'utf8');
    } catch (err) {
      errors.push(`cannot read file "${path}": ${(err as Error).message}`);
      return;
    }
    const report = validateText(text, defaultNamespace);
    errors.push(...report.errors);
    if (report.warnings.length > 0) warningsByName.set(label, [...(warningsByName.get(label) ?? []), ...report.warnings]);
  };
  for (const name of filenames) {
    if (name === '-') {
      processFile('-', '-');
      continue;
    }
    let isDir = false;
    try {
      isDir = statSync(name).isDirectory();
    } catch {
      // Reported by processFile as unreadable.
    }
    if (isDir) for (const file of listManifests(name)) processFile(file, name);
    else processFile(name, name);
  }
  const printWarnings = (): void => {
    for (const name of filenames) {
      const w = warningsByName.get(name);
      if (!w) continue;
      if (name === '-') out.write(bullets(w));
      else out.write(`"${name}" has warnings: ${bullets(w)}`);
    }
  };
  if (errors.length > 0) {
    printWarnings();
    out.write(`Error: ${multiError(errors)}`);
    return 1;
  }
  for (const name of filenames) {
    const w = warningsByName.get(name);
    if (name === '-') {
      out.write(w ? bullets(w) : 'Validation succeed\n');
    } else if (w) {
      out.write(`"${name}" has warnings: ${bullets(w)}`);
    } else {
      out.write(`"${name}" is valid\n`);
    }
  }
  return 0;
}

/** Registers `istioctl validate`. */
export function register(program: Command): void {
  program
    .command('validate')
    .description('Validate Istio policy and rules files')
    .option('-f, --filename <file...>', 'names of files or directories to validate (- for stdin)')
    .addHelpText('after', '\nExamples:\n  istioctl validate -f samples/bookinfo/networking/bookinfo-gateway.yaml\n  kubectl get vs -o yaml | istioctl validate -f -\n')
    .action((opts: ValidateOptions, cmd: Command) => {
      const parentOpts = cmd.parent?.opts<{ namespace?: string }>() ?? {};
      const filenames = (opts.filename ?? []).flatMap((f) => f.split(',')).filter((f) => f !== '');
      process.exitCode = runValidate(filenames, parentOpts.namespace, process.stderr);
    });
}
