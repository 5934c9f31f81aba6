// Loads the native addon, compiling it first (once) when build/sockopt.node is missing or older than its source.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The functions exported by native/sockopt.c. */
export interface NativeSockopt {
  getOriginalDst(fd: number, family: 4 | 6): { address: string; port: number; family: 'IPv4' | 'IPv6' };
  setTransparent(fd: number, family: 4 | 6, on: boolean): void;
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const addonPath = `${packageRoot}build/sockopt.node`;
const sourcePath = `${packageRoot}native/sockopt.c`;
const buildScript = `${packageRoot}build.mjs`;

let loaded: NativeSockopt | undefined;

function isStale(): boolean {
  if (!existsSync(addonPath)) return true;
  // A packaged install may ship only the binary; then there is nothing to rebuild from.
  if (!existsSync(sourcePath)) return false;
  return statSync(addonPath).mtimeMs < statSync(sourcePath).mtimeMs;
}

/** Returns the native addon, building it with cc first if needed. */
export function nativeSockopt(): NativeSockopt {
  if (loaded) return loaded;
  if (isStale()) {
    try {
      execFileSync(process.execPath, [buildScript], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`building the sockopt addon (${buildScript}) failed: ${stderr || String(err)}`);
    }
  }
  const require = createRequire(import.meta.url);
  loaded = require(addonPath) as NativeSockopt;
  return loaded;
}
