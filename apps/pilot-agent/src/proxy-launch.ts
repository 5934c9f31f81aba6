/**
 * V8 flags for a Node-based proxy: a young generation of 8 MB instead of V8's default (up to 32 MB per semi-space)
 * keeps scavenge pauses short and the resident set about 100 MB smaller under load, for no extra CPU (benchmarks/
 * results/NOTES.md). The same flags are in apps/proxy/bin/mesh-proxy.js and the proxyv2 image's wrapper.
 */
export const proxyNodeFlags: readonly string[] = ['--max-semi-space-size=8'];

/**
 * How to start the proxy binary: a native executable is run as is; a JavaScript or TypeScript
 * entry (our mesh-proxy from source) is run on this Node, with the source export condition.
 */
export function proxyLaunch(binaryPath: string): { command: string; args: string[] } {
  if (/\.(ts|mts)$/.test(binaryPath)) return { command: process.execPath, args: [...proxyNodeFlags, '--conditions=@mesh/source', binaryPath] };
  if (/\.(js|mjs|cjs)$/.test(binaryPath)) return { command: process.execPath, args: [...proxyNodeFlags, binaryPath] };
  return { command: binaryPath, args: [] };
}
