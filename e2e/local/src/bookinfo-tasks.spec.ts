// Upstream's Bookinfo traffic-management tasks on the local mesh, with upstream's YAML unchanged: ingress through
// the Gateway, request routing, traffic shifting, fault injection and request timeouts. One mesh for the file;
// each test swaps the task config in istiod's config directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBookinfo, useTaskConfig } from './bookinfo.ts';
import { getPage, login, request } from './bookinfo-page.ts';
import { LocalMesh } from './local-mesh.ts';
import { countPages, pageEventually } from './traffic.ts';

let mesh: LocalMesh;
let port: number;

beforeAll(async () => {
  mesh = await LocalMesh.create();
  try {
    ({ gatewayPort: port } = await startBookinfo(mesh));
  } catch (err) {
    await mesh.stop();
    throw err;
  }
}, 300_000);

afterAll(async () => {
  const problems = await mesh?.stop();
  expect(problems).toEqual([]);
});

describe('ingress through bookinfo-gateway', () => {
  it('serves the product page with details and reviews through the gateway', async () => {
    const page = await pageEventually(port, (p) => p.status === 200 && !p.detailsError && !p.reviewsError, { what: 'the product page through the gateway' });
    expect(page.title).toBe('Simple Bookstore App');
    expect(page.body).toContain('The Comedy of Errors');
    expect(page.body).toContain('ISBN-10');
    // Paths the Gateway's VirtualService does not route get 404 from the gateway itself.
    expect((await request(port, '/not-routed')).status).toBe(404);
  });

  it('round-robins over reviews v1, v2 and v3 before any VirtualService', async () => {
    useTaskConfig(mesh, []);
    const counts = await countPages(port, 30, (p) => p.reviewsVersion ?? 'error');
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v2', 'v3']);
  });
});

describe('request routing', () => {
  it('virtual-service-all-v1: never any stars', async () => {
    useTaskConfig(mesh, [{ file: 'networking/virtual-service-all-v1.yaml' }]);
    await pageEventually(port, (p) => p.reviewsVersion === 'v1', { streak: 5 });
    const counts = await countPages(port, 20, (p) => `${p.reviewsVersion}/${p.stars}`);
    expect(counts).toEqual({ 'v1/none': 20 });
  });

  it('virtual-service-reviews-test-v2: jason sees black stars (v2), everyone else v1', async () => {
    useTaskConfig(mesh, [{ file: 'networking/virtual-service-all-v1.yaml' }, { file: 'networking/virtual-service-reviews-test-v2.yaml' }]);
    const jason = await login(port, 'jason');
    await pageEventually(port, (p) => p.reviewsVersion === 'v2', { cookie: jason });
    expect(await countPages(port, 10, (p) => `${p.reviewsVersion}/${p.stars}`, jason)).toEqual({ 'v2/black': 10 });
    expect(await countPages(port, 10, (p) => `${p.reviewsVersion}/${p.stars}`)).toEqual({ 'v1/none': 10 });
    const other = await login(port, 'alice');
    expect(await countPages(port, 5, (p) => `${p.reviewsVersion}/${p.stars}`, other)).toEqual({ 'v1/none': 5 });
  });
});

describe('traffic shifting', () => {
  const within = (count: number, total: number, share: number) => Math.abs(count / total - share) <= 0.1;

  it('virtual-service-reviews-50-v3: about half red stars over 200 requests', async () => {
    useTaskConfig(mesh, [{ file: 'networking/virtual-service-all-v1.yaml' }, { file: 'networking/virtual-service-reviews-50-v3.yaml' }]);
    await pageEventually(port, (p) => p.reviewsVersion === 'v3', { streak: 1 });
    const counts = await countPages(port, 200, (p) => p.reviewsVersion ?? 'error');
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v3']);
    expect(within(counts['v3'] ?? 0, 200, 0.5), JSON.stringify(counts)).toBe(true);
  });

  it('virtual-service-reviews-80-20: about 80 % v1 and 20 % v2 over 200 requests', async () => {
    useTaskConfig(mesh, [{ file: 'networking/virtual-service-all-v1.yaml' }, { file: 'networking/virtual-service-reviews-80-20.yaml' }]);
    await pageEventually(port, (p) => p.reviewsVersion === 'v2', { streak: 1 });
    const counts = await countPages(port, 200, (p) => p.reviewsVersion ?? 'error');
    expect(Object.keys(counts).sort()).toEqual(['v1', 'v2']);
    expect(within(counts['v2'] ?? 0, 200, 0.2), JSON.stringify(counts)).toBe(true);
  });

  it('virtual-service-reviews-v3: red stars always', async () => {
    useTaskConfig(mesh, [{ file: 'networking/virtual-service-all-v1.yaml' }, { file: 'networking/virtual-service-reviews-v3.yaml' }]);
    await pageEventually(port, (p) => p.reviewsVersion === 'v3', { streak: 5 });
    expect(await countPages(port, 10, (p) => `${p.reviewsVersion}/${p.stars}`)).toEqual({ 'v3/red': 10 });
  });
});

describe('fault injection', () => {
  const setup = [{ file: 'networking/virtual-service-all-v1.yaml' }, { file: 'networking/virtual-service-reviews-test-v2.yaml' }];

  it('delay 7 s for jason: the reviews error after about 6 s; others unaffected', async () => {
    useTaskConfig(mesh, [...setup, { file: 'networking/virtual-service-ratings-test-delay.yaml' }]);
    const jason = await login(port, 'jason');
    const page = await pageEventually(port, (p) => p.reviewsError, { cookie: jason, streak: 1, timeoutMs: 90_000 });
    expect(page.body).toContain('Sorry, product reviews are currently unavailable for this book.');
    // productpage's 3 s timeout with one retry: ~6 s, well under the 7 s delay.
    expect(page.ms).toBeGreaterThanOrEqual(5500);
    expect(page.ms).toBeLessThan(7000);
    const anonymous = await getPage(port);
    expect(anonymous.reviewsVersion).toBe('v1');
    expect(anonymous.ms).toBeLessThan(3000);
  });

  it('abort 500 for jason: "Ratings service is currently unavailable", at once', async () => {
    useTaskConfig(mesh, [...setup, { file: 'networking/virtual-service-ratings-test-abort.yaml' }]);
    const jason = await login(port, 'jason');
    const page = await pageEventually(port, (p) => p.ratingsUnavailable, { cookie: jason });
    expect(page.reviewsVersion).toBe('v2');
    expect(page.ms).toBeLessThan(3000);
    const anonymous = await getPage(port);
    expect(anonymous.reviewsVersion).toBe('v1');
    expect(anonymous.ratingsUnavailable).toBe(false);
  });
});

describe('request timeouts', () => {
  const tasks = 'tasks/request-timeouts.yaml';

  it('reviews v2 with a 2 s ratings delay: black stars, about 2 s slower', async () => {
    // virtual-service-all-v1 routes reviews and ratings to v1; the task's own reviews/ratings VirtualServices replace them.
    useTaskConfig(mesh, [{ file: 'networking/virtual-service-all-v1.yaml', docs: [0, 3] }, { file: tasks, docs: [0, 1] }]);
    const page = await pageEventually(port, (p) => p.reviewsVersion === 'v2' && p.stars === 'black' && p.ms >= 1900, { streak: 2 });
    expect(page.ms).toBeLessThan(3000);
  });

  it('reviews timeout 0.5 s: the page returns in about 1 s with the reviews error', async () => {
    useTaskConfig(mesh, [{ file: 'networking/virtual-service-all-v1.yaml', docs: [0, 3] }, { file: tasks, docs: [1, 2] }]);
    const page = await pageEventually(port, (p) => p.reviewsError, { streak: 2 });
    expect(page.body).toContain('Sorry, product reviews are currently unavailable for this book.');
    // Two attempts (productpage retries once) of 0.5 s each.
    expect(page.ms).toBeGreaterThanOrEqual(900);
    expect(page.ms).toBeLessThan(2000);
  });
});
