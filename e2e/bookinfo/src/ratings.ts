// ratings: star ratings per reviewer, in memory (upstream samples/bookinfo/src/ratings, v1 behaviour).
import type { Server } from 'node:http';
import { readBody, sendJson, serve } from './http-util.ts';

export interface RatingsOptions {
  port: number;
  host?: string;
}

export function startRatings(opts: RatingsOptions): Promise<Server> {
  const stored = new Map<number, unknown>();
  return serve(
    [
      { method: 'GET', path: /^\/health$/, handler: (_q, res) => sendJson(res, 200, { status: 'Ratings is healthy' }) },
      {
        method: 'GET',
        path: /^\/ratings\/([^/]*)$/,
        handler: (_q, res, [id]) => {
          if (!id || !/^-?\d+$/.test(id)) return sendJson(res, 400, { error: 'please provide numeric product ID' });
          const n = Number(id);
          sendJson(res, 200, { id: n, ratings: stored.get(n) ?? { Reviewer1: 5, Reviewer2: 4 } });
        },
      },
      {
        method: 'POST',
        path: /^\/ratings\/([^/]*)$/,
        handler: async (req, res, [id]) => {
          if (!id || !/^-?\d+$/.test(id)) return sendJson(res, 400, { error: 'please provide numeric product ID' });
          let body: unknown;
          try {
            body = JSON.parse(await readBody(req));
          } catch {
            return sendJson(res, 400, { error: 'please provide valid ratings JSON' });
          }
          stored.set(Number(id), body);
          sendJson(res, 200, { id: Number(id), ratings: body });
        },
      },
    ],
    opts.port,
    opts.host ?? '0.0.0.0',
  );
}
