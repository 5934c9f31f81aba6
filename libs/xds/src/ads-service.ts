// The gRPC method definitions of envoy.service.discovery.v3.AggregatedDiscoveryService, with raw-bytes
// (de)serializers: decoding happens in the handlers so that a malformed message never escapes as an exception.
import type * as grpc from '@grpc/grpc-js';

const service = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

const passThrough = (bytes: Buffer): Buffer => bytes;
const toBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));

/** Method definitions for both ADS RPCs; messages are raw protobuf bytes. */
export const adsServiceDefinition = {
  StreamAggregatedResources: {
    path: `/${service}/StreamAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: toBuffer,
    requestDeserialize: passThrough,
    responseSerialize: toBuffer,
    responseDeserialize: passThrough,
    originalName: 'streamAggregatedResources',
  },
  DeltaAggregatedResources: {
    path: `/${service}/DeltaAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: toBuffer,
    requestDeserialize: passThrough,
    responseSerialize: toBuffer,
    responseDeserialize: passThrough,
    originalName: 'deltaAggregatedResources',
  },
} satisfies grpc.ServiceDefinition;

/** A bidirectional ADS stream as the server sees it. */
export type AdsServerStream = grpc.ServerDuplexStream<Buffer, Uint8Array>;
