/**
 * How to start the proxy binary: a native executable is run as is; a JavaScript or TypeScript
 * entry (our mesh-proxy from source) is run on this Node, with the source export condition.
 */
export function proxyLaunch(binaryPath: string): { command: string; args: string[] } {
  if (/\.(ts|mts)$/.test(binaryPath)) return { command: process.execPath, args: ['--conditions=@mesh/source', binaryPath] };
  if (/\.(js|mjs|cjs)$/.test(binaryPath)) return { command: process.execPath, args: [binaryPath] };
  return { command: binaryPath, args: [] };
}
