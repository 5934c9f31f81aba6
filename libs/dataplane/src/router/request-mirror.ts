// request_mirror_policies: a copy of the request goes to each mirror cluster (host suffixed "-shadow") once the
// body is complete; mirror responses are discarded and never affect the primary request.
import { Readable } from 'node:stream';
import { alpnFor } from '../http/alpn-override.ts';
import type { ForwardDeps, ForwardInput } from './forwarder.ts';
import { RequestBody } from './request-body.ts';
import { UpstreamAttempt, type UpstreamRequestHead } from './upstream-attempt.ts';

/** Fires the mirrors of a forwarding action. */
export function sendMirrors(deps: ForwardDeps, input: ForwardInput, head: UpstreamRequestHead, hash: number | undefined, body: RequestBody): void {
  const mirrors = input.action.mirrors;
  body.whenComplete((chunks) => {
    if (!chunks) return;
    for (const m of mirrors) {
      if (m.fraction < 1 && Math.random() >= m.fraction) continue;
      const c = deps.cluster(m.cluster);
      if (!c) continue;
      const h2 = c.config.protocol === 'http2';
      const host = c.pickHost(hash, input.ctx.originalDst);
      if (!host || !c.tryStartRequest(h2)) continue;
      const authority = head.authority.replace(/^([^:]*)/, '$1-shadow');
      const copy = new RequestBody(Readable.from(chunks), Infinity, chunks.length > 0);
      c.stats.rqTotal.inc();
      const callbacks = {
        onResponse: (r: { status: number; body: Readable }) => {
          c.stats.response(r.status);
          r.body.resume();
          c.endRequest();
        },
        onFailure: () => c.endRequest(),
      };
      new UpstreamAttempt(c, host, { ...head, authority, headers: { ...head.headers } }, copy, h2, callbacks, alpnFor(input.hcm.alpnOverride, h2, input.req.httpVersion));
    }
  });
}
