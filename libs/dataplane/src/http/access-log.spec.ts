// Integration: file access logs with Envoy's default text format, a custom format and a JSON format.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@mesh/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshHarness, T, cla, edsCluster, httpListener, request, routeConfig, startEcho, type Echo } from '../test-support/mesh-harness.test.ts';

const FILE = `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`;

describe('access logs', () => {
  let h: MeshHarness;
  let echo: Echo;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'access-log-'));
    echo = await startEcho('e');
    h = await MeshHarness.start();
    const listener = httpListener('http', 0, { rds: 'r' });
    const hcm = ((listener['filter_chains'] as { filters: { typed_config: Record<string, unknown> }[] }[])[0]?.filters[0]?.typed_config) as Record<string, unknown>;
    hcm['access_log'] = [
      { name: 'envoy.access_loggers.file', typed_config: { '@type': FILE, path: join(dir, 'default.log') } },
      { name: 'envoy.access_loggers.file', typed_config: { '@type': FILE, path: join(dir, 'custom.log'), log_format: { text_format_source: { inline_string: '%REQ(:METHOD)% %REQ(:PATH)% %RESPONSE_CODE% %RESPONSE_FLAGS% %UPSTREAM_CLUSTER% %ROUTE_NAME%\n' } } } },
      { name: 'envoy.access_loggers.file', typed_config: { '@type': FILE, path: join(dir, 'json.log'), log_format: { json_format: { code: '%RESPONSE_CODE%', authority: '%REQ(:AUTHORITY)%', host: '%UPSTREAM_HOST%' } } } },
    ];
    await h.set({
      clusters: { e: edsCluster('e') },
      endpoints: { e: cla('e', [echo.port]) },
      listeners: { http: listener },
      routes: { r: routeConfig('r', [{ name: 'to-e', match: { prefix: '/e' }, route: { cluster: 'e' } }]) },
    });
  });

  afterAll(async () => {
    await h.close();
    await echo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes one line per request with Envoy operators and response flags', async () => {
    await request(h.port('http'), '/e/1', { host: 'svc.local', headers: { 'user-agent': 'test-agent' } });
    await request(h.port('http'), '/nowhere');
    const read = (f: string): string[] => readFileSync(join(dir, f), 'utf8').trim().split('\n');
    await waitFor(() => read('json.log').length === 2, 5000, 20);
    expect(read('custom.log')).toEqual(['GET /e/1 200 - e to-e', 'GET /nowhere 404 NR - -']);
    const d = read('default.log')[0] ?? '';
    expect(d).toMatch(new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\dT[^\\]]+\\] "GET /e/1 HTTP/1.1" 200 - 0 \\d+ \\d+ \\d+ "-" "test-agent" "[0-9a-f-]{36}" "svc.local" "127.0.0.1:${echo.port}"$`));
    expect(JSON.parse(read('json.log')[0] ?? '{}')).toEqual({ code: 200, authority: 'svc.local', host: `127.0.0.1:${echo.port}` });
  });
});
