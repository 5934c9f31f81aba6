// Entry point for mesh-proxy. Wiring only: flags, lifecycle; logic lives in libs.
import { CommanderError } from 'commander';
import { parseProxyArgs } from './cli-options.ts';
import { ProxyProcess } from './proxy-process.ts';

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseProxyArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof CommanderError) process.exit(e.exitCode);
    throw e;
  }
  let proxy: ProxyProcess;
  try {
    proxy = new ProxyProcess(opts);
    await proxy.start();
  } catch (e) {
    process.stderr.write(`mesh-proxy: ${(e as Error).message}\n`);
    process.exit(1);
  }
  // Last line of defence: a bug in one connection's handling must not take down every other connection.
  process.on('uncaughtException', (err) => proxy.log.error({ err: err.message, stack: err.stack }, 'uncaught exception'));
  process.once('SIGTERM', () => void proxy.stop(0));
  process.once('SIGINT', () => void proxy.stop(0));
}

void main();
