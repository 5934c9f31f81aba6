import { request } from 'node:http';

/** `pilot-agent wait`: polls the readiness URL until it answers 200 or the timeout passes. */
export async function runWait(url: string, timeoutSeconds: number, periodMillis: number, requestTimeoutMillis: number): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  for (;;) {
    const status = await new Promise<number>((resolve) => {
      const req = request(url, { timeout: requestTimeoutMillis }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
      req.end();
    });
    if (status === 200) return true;
    if (Date.now() + periodMillis > deadline) return false;
    await new Promise((r) => setTimeout(r, periodMillis));
  }
}
