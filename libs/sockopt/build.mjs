#!/usr/bin/env node
// Compiles native/sockopt.c into build/sockopt.node with the system C compiler (no node-gyp needed).
// Usage: node libs/sockopt/build.mjs [--if-stale]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const source = join(root, 'native', 'sockopt.c');
const output = join(root, 'build', 'sockopt.node');

/** Directories that may hold node_api.h, best first. */
function headerDirs() {
  const dirs = [];
  if (process.env.NODE_API_HEADERS) dirs.push(process.env.NODE_API_HEADERS);
  dirs.push(join(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node');
  return dirs;
}

export function isStale() {
  return !existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs;
}

export function build() {
  const include = headerDirs().find((d) => existsSync(join(d, 'node_api.h')));
  if (!include) {
    throw new Error(`node_api.h not found in ${headerDirs().join(', ')}; install Node headers or set NODE_API_HEADERS`);
  }
  mkdirSync(dirname(output), { recursive: true });
  // Build to a temp name and rename, so a concurrent loader never sees a half-written file.
  const tmp = `${output}.${process.pid}.tmp`;
  const cc = process.env.CC || 'cc';
  execFileSync(
    cc,
    ['-O2', '-Wall', '-Wextra', '-Wno-unused-parameter', '-fPIC', '-shared', `-I${include}`, '-o', tmp, source],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  renameSync(tmp, output);
  return output;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--if-stale') && !isStale()) {
    console.log(`${output} is up to date`);
  } else {
    console.log(`built ${build()}`);
  }
}
