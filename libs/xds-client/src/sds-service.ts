// The streaming gRPC methods of envoy.service.secret.v3.SecretDiscoveryService, with raw-bytes (de)serializers:
// the same wire messages as ADS, decoded by the client stream so a malformed message never escapes as an exception.
import type * as grpc from '@grpc/grpc-js';

const service = 'envoy.service.secret.v3.SecretDiscoveryService';

const passThrough = (bytes: Buffer): Buffer => bytes;
const toBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

function streaming(name: string): grpc.MethodDefinition<Uint8Array, Buffer> {
  return {
    path: `/${service}/${name}`,
    requestStream: true,
    responseStream: true,
    requestSerialize: toBuffer,
    requestDeserialize: passThrough,
    responseSerialize: toBuffer,
    responseDeserialize: passThrough,
    originalName: name.charAt(0).toLowerCase() + name.slice(1),
  };
}

/** StreamSecrets (SotW) and DeltaSecrets, the two streams Envoy opens to an SDS api_config_source. */
export const sdsServiceDefinition = {
  StreamSecrets: streaming('StreamSecrets'),
  DeltaSecrets: streaming('DeltaSecrets'),
} satisfies grpc.ServiceDefinition;
