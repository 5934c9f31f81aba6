// Entry point for mesh-proxy. Wiring only: flags, lifecycle; logic lives in libs.
import { CommanderError } from 'commander';
import { protoRoot } from '@mesh/xds';
import { parseProxyArgs } from './cli-options.ts';
import { ProxyProcess } from './proxy-process.ts';

/**
 * Warm standby (started by pilot-agent with MESH_PROXY_STANDBY=1 and an IPC channel): load every module and the
 * Envoy protos now, tell the agent, and wait for "start". A crashed proxy is then replaced in the time it takes to
 * read the bootstrap and fetch xDS, instead of a cold Node start. The standby exits if the agent goes away.
 */
async function standby(): Promise<void> {
  if (process.env['MESH_PROXY_STANDBY'] !== '1' || typeof process.send !== 'function') return;
  protoRoot();
  const onDisconnect = () => process.exit(0);
  process.once('disconnect', onDisconnect);
  await new Promise<void>((resolve) => {
    const onMessage = (m: unknown) => {
      if (m !== 'start') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    process.send?.('standby-ready');
  });
  process.off('disconnect', onDisconnect);
  process.disconnect();
}

/** Started by pilot-agent: exit when the agent is gone (re-parented), so a killed agent leaves no proxy behind. */
function exitWithParent(): void {
  if (process.env['MESH_PROXY_EXIT_WITH_PARENT'] !== '1') return;
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 500).unref();
}

async function main(): Promise<void> {
  exitWithParent();
  await standby();
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
