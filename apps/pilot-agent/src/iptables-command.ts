/**
 * `pilot-agent istio-iptables ...` runs the same init logic as the istio-iptables binary. The
 * rule builder lives in @mesh/iptables; its CLI entry is looked up at run time so this command
 * works as soon as that package exports one (`runCli(argv)` or `main(argv)`).
 */
export async function runIptables(argv: string[]): Promise<number> {
  const mod = (await import('@mesh/iptables')) as Record<string, unknown>;
  const entry = mod['runCli'] ?? mod['main'];
  if (typeof entry !== 'function') {
    throw new Error('istio-iptables: @mesh/iptables does not export a CLI entry (runCli) yet');
  }
  const result: unknown = await (entry as (args: string[]) => unknown)(argv);
  return typeof result === 'number' ? result : 0;
}
