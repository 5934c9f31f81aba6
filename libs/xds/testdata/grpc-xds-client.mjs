// Test fixture: a proxyless gRPC client (@grpc/grpc-js-xds) that calls /test.Echo/Say on an xds:/// target every
// 100 ms and prints one line per call ("ok <reply>" or "err <message>"). Bounded: at most 300 calls.
// Usage: node grpc-xds-client.mjs <bootstrap-json> <xds:///target>
import * as grpc from '@grpc/grpc-js';
import * as grpcXds from '@grpc/grpc-js-xds';

const [bootstrap, target] = process.argv.slice(2);
grpcXds.register();
const client = new grpc.Client(target, grpc.credentials.createInsecure(), {
  'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': bootstrap,
});
const identity = (b) => b;

function callOnce() {
  return new Promise((resolve) => {
    client.makeUnaryRequest('/test.Echo/Say', identity, identity, Buffer.from('hi'), { deadline: Date.now() + 2000 }, (err, value) =>
      resolve(err ? `err ${err.message}` : `ok ${value.toString()}`),
    );
  });
}

for (let i = 0; i < 300; i++) {
  process.stdout.write(`${await callOnce()}\n`);
  await new Promise((r) => setTimeout(r, 100));
}
client.close();
