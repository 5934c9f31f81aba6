// The wire protocol of istio.v1.auth.IstioCertificateService (istio.io/api security/v1alpha1/ca.proto), shared by
// istiod's CA server and pilot-agent's CA client. Messages are defined inline for protobufjs (no .proto file to ship);
// the gRPC method definition carries raw-bytes codecs so each side decodes inside its own error handling.
import protobuf from 'protobufjs';

/** A CSR as pilot-agent sends it. */
export interface CertificateRequest {
  /** PEM PKCS#10 request; the CA takes only the public key from it. */
  csr: string;
  /** Requested lifetime in seconds; 0 means the CA's default. */
  validityDurationSeconds: number;
  /** Opaque string metadata (upstream: ClusterID, WorkloadName, WorkloadIP, ImpersonatedIdentity, CertSigner). */
  metadata: Record<string, string>;
}

/** The CA's answer: one PEM certificate per entry, leaf first, root last. */
export interface CertificateResponse {
  certChain: string[];
}

// (map fields carry keyType, which protobufjs's INamespace typing lacks; the runtime accepts it)
const descriptor = {
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Struct: { fields: { fields: { keyType: 'string', type: 'Value', id: 1 } } },
            Value: {
              oneofs: { kind: { oneof: ['null_value', 'number_value', 'string_value', 'bool_value', 'struct_value', 'list_value'] } },
              fields: {
                null_value: { type: 'NullValue', id: 1 },
                number_value: { type: 'double', id: 2 },
                string_value: { type: 'string', id: 3 },
                bool_value: { type: 'bool', id: 4 },
                struct_value: { type: 'Struct', id: 5 },
                list_value: { type: 'ListValue', id: 6 },
              },
            },
            ListValue: { fields: { values: { rule: 'repeated', type: 'Value', id: 1 } } },
            NullValue: { values: { NULL_VALUE: 0 } },
          },
        },
      },
    },
    istio: {
      nested: {
        v1: {
          nested: {
            auth: {
              nested: {
                IstioCertificateRequest: {
                  fields: {
                    csr: { type: 'string', id: 1 },
                    validity_duration: { type: 'int64', id: 3 },
                    metadata: { type: 'google.protobuf.Struct', id: 4 },
                  },
                },
                IstioCertificateResponse: { fields: { cert_chain: { rule: 'repeated', type: 'string', id: 1 } } },
              },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor as unknown as protobuf.INamespace);
const requestType = root.lookupType('istio.v1.auth.IstioCertificateRequest');
const responseType = root.lookupType('istio.v1.auth.IstioCertificateResponse');
const toObjectOptions: protobuf.IConversionOptions = { longs: Number, defaults: true, arrays: true, objects: true, oneofs: true };

interface WireValue {
  string_value?: string;
  number_value?: number;
  bool_value?: boolean;
  kind?: string;
}

/** Encodes a CSR request (metadata values become Struct string values). */
export function encodeCertificateRequest(req: CertificateRequest): Buffer {
  const fields: Record<string, WireValue> = {};
  for (const [key, value] of Object.entries(req.metadata)) fields[key] = { string_value: value };
  const message = requestType.fromObject({
    csr: req.csr,
    validity_duration: Math.max(0, Math.trunc(req.validityDurationSeconds)),
    ...(Object.keys(fields).length > 0 ? { metadata: { fields } } : {}),
  });
  return Buffer.from(requestType.encode(message).finish());
}

/** Decodes a CSR request; throws a readable error on malformed bytes. Non-string metadata values are stringified. */
export function decodeCertificateRequest(bytes: Uint8Array): CertificateRequest {
  let obj: { csr: string; validity_duration: number; metadata?: { fields?: Record<string, WireValue> } };
  try {
    obj = requestType.toObject(requestType.decode(bytes), toObjectOptions) as typeof obj;
  } catch (err) {
    throw new Error(`malformed IstioCertificateRequest: ${(err as Error).message}`);
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(obj.metadata?.fields ?? {})) {
    const v = value.kind === 'number_value' ? value.number_value : value.kind === 'bool_value' ? value.bool_value : value.string_value;
    if (v !== undefined) metadata[key] = String(v);
  }
  return { csr: obj.csr, validityDurationSeconds: Number(obj.validity_duration), metadata };
}

/** Encodes the CA's response. */
export function encodeCertificateResponse(res: CertificateResponse): Buffer {
  return Buffer.from(responseType.encode(responseType.fromObject({ cert_chain: res.certChain })).finish());
}

/** Decodes the CA's response; throws a readable error on malformed bytes. */
export function decodeCertificateResponse(bytes: Uint8Array): CertificateResponse {
  try {
    const obj = responseType.toObject(responseType.decode(bytes), toObjectOptions) as { cert_chain: string[] };
    return { certChain: obj.cert_chain };
  } catch (err) {
    throw new Error(`malformed IstioCertificateResponse: ${(err as Error).message}`);
  }
}

const identity = (b: Buffer): Buffer => b;

/** Full gRPC method path of CreateCertificate. */
export const CREATE_CERTIFICATE_PATH = '/istio.v1.auth.IstioCertificateService/CreateCertificate';

/**
 * The IstioCertificateService definition in @grpc/grpc-js's ServiceDefinition shape, with raw-bytes codecs:
 * handlers decode with decodeCertificateRequest so a malformed message becomes an INVALID_ARGUMENT, not a crash.
 */
export const istioCertificateServiceDefinition = {
  CreateCertificate: {
    path: CREATE_CERTIFICATE_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
    originalName: 'createCertificate',
  },
} as const;
