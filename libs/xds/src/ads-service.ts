// The gRPC method definitions of envoy.service.discovery.v3.AggregatedDiscoveryService, with raw-bytes
// (de)serializers: decoding happens in the handlers so that a malformed message never escapes as an exception.
import type * as grpc from '@grpc/grpc-js';
import { serializePlanned, type ResponsePlan } from './response-assembly.ts';

const service = 'envoy.service.discovery.v3.AggregatedDiscoveryService';

const passThrough = (bytes: Buffer): Buffer => bytes;
const toBuffer = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
/**
 * Responses may be written as a ResponsePlan: gRPC serializes a message only when it is about to send it and copies
 * the result at once into its frame buffer, so a planned response never exists as bytes while it waits in the
 * stream's queue, and its assembly reuses one scratch buffer instead of allocating megabytes per response.
 */
const serializeResponse = (message: Uint8Array | ResponsePlan): Buffer => (message instanceof Uint8Array ? toBuffer(message) : serializePlanned(message));

/** Method definitions for both ADS RPCs; messages are raw protobuf bytes. */
export const adsServiceDefinition = {
  StreamAggregatedResources: {
    path: `/${service}/StreamAggregatedResources`,
    requestStream: true,
    responseStream: true,
    requestSerialize: toBuffer,
    requestDeserialize: passThrough,
    responseSerialize: serializeResponse,
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
export type AdsServerStream = grpc.ServerDuplexStream<Buffer, Uint8Array | ResponsePlan>;
