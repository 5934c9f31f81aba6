// Traffic helpers for the task tests: repeat a request until the mesh shows the expected behaviour (config takes
// a moment to reach every proxy), and count outcomes over a batch of requests.
import { getPage, type PageView } from './bookinfo-page.ts';
import { waitUntil } from './wait.ts';

/** Polls the product page until `ok` holds for `streak` pages in a row (new config has reached the proxies). */
export async function pageEventually(port: number, ok: (p: PageView) => boolean, opts: { cookie?: string; streak?: number; timeoutMs?: number; what?: string } = {}): Promise<PageView> {
  let run = 0;
  let last: PageView | undefined;
  await waitUntil(opts.what ?? 'the product page to show the expected result', opts.timeoutMs ?? 60_000, async () => {
    last = await getPage(port, opts.cookie);
    run = ok(last) ? run + 1 : 0;
    return run >= (opts.streak ?? 3);
  }, () => (last ? `last page: status ${last.status}, reviews ${last.reviewsVersion ?? '-'}, stars ${last.stars}, reviewsError ${last.reviewsError}, ratingsUnavailable ${last.ratingsUnavailable}` : ''), 200);
  return last as PageView;
}

/** Fetches `n` pages and counts them by a key. */
export async function countPages(port: number, n: number, key: (p: PageView) => string, cookie?: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const k = key(await getPage(port, cookie));
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
