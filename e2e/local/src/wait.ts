// Bounded polling with an error that says what was awaited and shows the relevant log.

/**
 * Polls `check` every intervalMs until it returns true; rejects after timeoutMs with `what` and the detail, and at
 * once when `check` throws an Error whose message starts with a process label (a dead process, not "not yet").
 */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  check: () => boolean | Promise<boolean>,
  detail: () => string = () => '',
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (/ exited with /.test(msg)) throw err;
      last = msg;
    }
    if (Date.now() > deadline) {
      const tail = detail();
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}${tail ? `\n--- log ---\n${tail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
