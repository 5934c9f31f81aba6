// Running the reference CLIs (helm, kubectl from tools/testenv) and reading multi-document YAML in tests.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseYamlValue } from '@mesh/api';
import { repoRoot, testenvBin } from '@mesh/testing';

const execFileAsync = promisify(execFile);

/** The charts this package tests, in install order. */
export const charts = ['base', 'istiod', 'gateway'] as const;
/** The profiles every chart offers. */
export const profiles = ['default', 'demo', 'minimal'] as const;

export type ChartName = (typeof charts)[number];
export type Json = Record<string, unknown>;

/** Absolute path of a chart folder. */
export function chartDir(chart: ChartName): string {
  return join(repoRoot, 'charts', chart);
}

/** Result of a finished command. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a testenv binary (helm, kubectl) and returns its exit code and output; never throws on a non-zero exit. */
export async function runTool(tool: 'helm' | 'kubectl', args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(testenvBin(tool), args, {
      env: { ...process.env, ...env },
      maxBuffer: 64 << 20,
      timeout: 240_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

/** Runs a testenv binary and throws with its stderr when it fails. */
export async function mustRun(tool: 'helm' | 'kubectl', args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await runTool(tool, args, env);
  if (r.code !== 0) throw new Error(`${tool} ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Splits a multi-document YAML text into its non-empty documents, parsed. */
export function parseDocuments(text: string): Json[] {
  return text
    .split(/^---[^\n]*$/m)
    .map((doc) => parseYamlValue(doc))
    .filter((doc): doc is Json => typeof doc === 'object' && doc !== null && !Array.isArray(doc));
}

/** The root package.json's version: the tag every image is built with and the charts default to. */
export function releaseVersion(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
  return pkg.version;
}

/** `helm template` of one chart with a profile and extra `--set` values; the release goes to `namespace`. */
export async function renderChart(
  chart: ChartName,
  options: { profile?: string; set?: string[]; release?: string; namespace?: string } = {},
): Promise<string> {
  const release = options.release ?? defaultRelease(chart);
  const args = ['template', release, chartDir(chart), '--namespace', options.namespace ?? defaultNamespace(chart)];
  if (options.profile) args.push('--set', `profile=${options.profile}`);
  for (const s of options.set ?? []) args.push('--set', s);
  return mustRun('helm', args);
}

/** The release name the docs use for each chart. */
export function defaultRelease(chart: ChartName): string {
  return chart === 'base' ? 'istio-base' : chart === 'gateway' ? 'istio-ingressgateway' : 'istiod';
}

/** The namespace the docs install each chart into. */
export function defaultNamespace(chart: ChartName): string {
  return chart === 'gateway' ? 'istio-ingress' : 'istio-system';
}
