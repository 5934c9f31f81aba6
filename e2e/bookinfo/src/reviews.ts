// reviews: two reviews, with ratings from the ratings service in v2 (black stars) and v3 (red stars).
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import { forwardHeaders, httpGet, sendJson, serve } from './http-util.ts';

export interface ReviewsOptions {
  port: number;
  host?: string;
  /** v1: no ratings; v2: black stars, 10 s ratings timeout; v3: red stars, 2.5 s timeout. */
  version: 'v1' | 'v2' | 'v3';
  /** Base URL of the ratings service (default http://ratings:9080). */
  ratingsUrl?: string;
  podName?: string;
}

const reviewTexts = [
  { reviewer: 'Reviewer1', text: 'An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!' },
  { reviewer: 'Reviewer2', text: 'Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.' },
];

export function startReviews(opts: ReviewsOptions): Promise<Server> {
  const enableRatings = opts.version !== 'v1';
  const color = opts.version === 'v3' ? 'red' : 'black';
  const timeoutMs = opts.version === 'v3' ? 2500 : 10_000;
  const ratingsUrl = opts.ratingsUrl ?? 'http://ratings:9080';
  const podName = opts.podName ?? process.env['HOSTNAME'] ?? hostname();
  return serve(
    [
      { method: 'GET', path: /^\/health$/, handler: (_q, res) => sendJson(res, 200, { status: 'Reviews is healthy' }) },
      {
        method: 'GET',
        path: /^\/reviews\/([^/]*)$/,
        handler: async (req, res, [id = '']) => {
          let ratings: Record<string, number> | undefined;
          let failed = false;
          if (enableRatings) {
            try {
              const r = await httpGet(`${ratingsUrl}/ratings/${encodeURIComponent(id)}`, forwardHeaders(req.headers), timeoutMs);
              if (r.status === 200) ratings = (JSON.parse(r.body) as { ratings?: Record<string, number> }).ratings ?? {};
              else failed = true;
            } catch {
              failed = true;
            }
          }
          const reviews = reviewTexts.map((t) => {
            if (!enableRatings) return { ...t };
            if (failed) return { ...t, rating: { error: 'Ratings service is currently unavailable' } };
            return { ...t, rating: { stars: ratings?.[t.reviewer] ?? -1, color } };
          });
          sendJson(res, 200, { id, podname: podName, clustername: process.env['CLUSTER_NAME'] ?? null, reviews });
        },
      },
    ],
    opts.port,
    opts.host ?? '0.0.0.0',
  );
}
