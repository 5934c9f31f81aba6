import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@mesh/testing';
import { adsPassthroughService, startXdsProxy, type XdsProxy } from './xds-proxy.ts';

const ADS = '/envoy.service.discovery.v3.AggregatedDiscoveryService';
const id = (b: Buffer): Buffer => b;
let istiod: Server;
let proxy: XdsProxy;
let root: string;
const seenAuth: string[] = [];

/** A stand-in istiod: answers each request with `<method>:` + the request bytes; "fail" ends the stream. */
function fakeAds(name: string) {
  return (call: ServerDuplexStream<Buffer, Buffer>): void => {
    seenAuth.push(String(call.metadata.get('authorization')[0] ?? ''));
    call.on('data', (req: Buffer) => {
      if (req.toString() === 'fail') {
        call.emit('error', { code: status.PERMISSION_DENIED, details: 'denied by test' });
        return;
      }
      call.write(Buffer.concat([Buffer.from(`${name}:`), req]));
    });
    call.on('end', () => call.end());
  };
}

beforeAll(async () => {
  istiod = new Server();
  istiod.addService(adsPassthroughService, {
    StreamAggregatedResources: fakeAds('sotw'),
    DeltaAggregatedResources: fakeAds('delta'),
  });
  const port = await freePort();
  await new Promise<void>((r, j) => istiod.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
  root = mkdtempSync(join(tmpdir(), 'agent-xds-'));
  proxy = await startXdsProxy({
    root,
    discoveryAddress: `127.0.0.1:${port}`,
    upstreamMetadata: () => {
      const md = new Metadata();
      md.set('authorization', 'Bearer test-token');
      return md;
    },
  });
});

afterAll(async () => {
  await proxy?.close();
  istiod?.forceShutdown();
  rmSync(root, { recursive: true, force: true });
});

function openStream(method: string) {
  const client = new Client(`unix://${proxy.socketPath}`, credentials.createInsecure());
  const stream = client.makeBidiStreamRequest<Buffer, Buffer>(`${ADS}/${method}`, id, id, new Metadata());
  return { client, stream };
}

function next(stream: ReturnType<typeof openStream>['stream']): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    stream.once('data', resolve);
    stream.once('error', reject);
  });
}

describe('xDS relay on the agent socket', () => {
  it('listens on ./etc/istio/proxy/XDS under the root', () => {
    expect(proxy.socketPath).toBe(join(root, 'etc/istio/proxy/XDS'));
  });

  it('relays SotW and Delta streams 1:1 with the upstream credentials', async () => {
    for (const [method, tag] of [
      ['StreamAggregatedResources', 'sotw'],
      ['DeltaAggregatedResources', 'delta'],
    ] as const) {
      const { client, stream } = openStream(method);
      stream.write(Buffer.from('req-1'));
      expect((await next(stream)).toString()).toBe(`${tag}:req-1`);
      stream.write(Buffer.from([0, 1, 2, 255]));
      expect([...(await next(stream))].slice(-4)).toEqual([0, 1, 2, 255]);
      stream.end();
      client.close();
    }
    expect(seenAuth).toContain('Bearer test-token');
    expect(proxy.upstreamConnected).toBe(true);
  });

  it('passes istiod errors down with their status code', async () => {
    const { client, stream } = openStream('StreamAggregatedResources');
    stream.write(Buffer.from('fail'));
    const err = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(err.details).toMatch(/denied by test/);
    client.close();
  });
});
