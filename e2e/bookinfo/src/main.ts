// Command line for the Bookinfo replicas: `node e2e/bookinfo/src/main.ts <service> [--port 9080] [--version v1]`.
// Services: productpage, details, reviews, ratings, httpbin; and `load --c 2 --n 20 <url>` (fortio-like client).
// Environment as upstream: SERVICE_VERSION, SERVICES_DOMAIN, DETAILS_HOSTNAME/PORT, REVIEWS_HOSTNAME/PORT, RATINGS_HOSTNAME/PORT.
import { parseArgs } from 'node:util';
import { startDetails } from './details.ts';
import { startHttpbin } from './httpbin.ts';
import { runLoad } from './load-client.ts';
import { startProductpage } from './productpage.ts';
import { startRatings } from './ratings.ts';
import { startReviews } from './reviews.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    version: { type: 'string' },
    host: { type: 'string' },
    c: { type: 'string', default: '1' },
    n: { type: 'string', default: '1' },
  },
});
const [service, target] = positionals;
const env = process.env;
const port = Number(values.port ?? env['PORT'] ?? (service === 'httpbin' ? 80 : 9080));
const host = values.host ?? '0.0.0.0';
const domain = env['SERVICES_DOMAIN'] ? `.${env['SERVICES_DOMAIN']}` : '';
const url = (name: string) => `http://${env[`${name.toUpperCase()}_HOSTNAME`] ?? name + domain}:${env[`${name.toUpperCase()}_SERVICE_PORT`] ?? '9080'}`;

switch (service) {
  case 'productpage':
    await startProductpage({ port, host, detailsUrl: url('details'), reviewsUrl: url('reviews'), ratingsUrl: url('ratings') });
    break;
  case 'details':
    await startDetails({ port, host });
    break;
  case 'ratings':
    await startRatings({ port, host });
    break;
  case 'reviews': {
    const version = (values.version ?? env['SERVICE_VERSION'] ?? 'v1') as 'v1' | 'v2' | 'v3';
    if (!['v1', 'v2', 'v3'].includes(version)) throw new Error(`reviews: unknown version ${version} (v1, v2 or v3)`);
    await startReviews({ port, host, version, ratingsUrl: url('ratings') });
    break;
  }
  case 'httpbin':
    await startHttpbin({ port, host });
    break;
  case 'load': {
    if (!target) throw new Error('load: missing URL');
    const result = await runLoad({ url: target, connections: Number(values.c), requests: Number(values.n) });
    process.stdout.write(JSON.stringify(result) + '\n');
    break;
  }
  default:
    console.error('usage: main.ts productpage|details|reviews|ratings|httpbin [--port N] [--version v1|v2|v3] | load --c N --n N <url>');
    process.exit(2);
}
if (service !== 'load') console.log(`${service} listening on ${host}:${port}`);
