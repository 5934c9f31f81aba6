// Ready-made pod specs: the Bookinfo replica services, httpbin, and idle client pods.
import { resolve } from 'node:path';
import { repoRoot } from '@mesh/testing';
import type { PodSpec } from './pod.ts';

const bookinfoMain = resolve(repoRoot, 'e2e/bookinfo/src/main.ts');

/** A pod that only sleeps (a client to exec commands in, like upstream's `sleep`/`curl` samples). */
export function sleeperPod(name: string, opts: { namespace?: string; proxy?: PodSpec['proxy']; labels?: Record<string, string> } = {}): PodSpec {
  return {
    name,
    namespace: opts.namespace ?? 'default',
    labels: opts.labels ?? { app: name },
    serviceAccount: name,
    workloadName: name,
    containerPorts: [],
    app: { name, command: 'sleep', args: ['infinity'] },
    proxy: opts.proxy ?? 'none',
  };
}

/** The command line of a Bookinfo replica service (`main.ts <service> --port N [--version v]`). */
export function bookinfoCommand(service: string, port: number, version?: string): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: ['--conditions=@mesh/source', bookinfoMain, service, '--port', String(port), ...(version ? ['--version', version] : [])],
  };
}

/** The fortio-like load client, run with Pod.exec inside a client pod. */
export function loadCommand(url: string, connections: number, requests: number): { command: string; args: string[] } {
  return { command: process.execPath, args: ['--conditions=@mesh/source', bookinfoMain, 'load', '--c', String(connections), '--n', String(requests), url] };
}
