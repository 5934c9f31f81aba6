// The gRPC grpc-timeout request header (a route timeout when max_stream_duration.grpc_timeout_header_max is set).

const grpcUnits: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** Parses a grpc-timeout header ("100m", "5S") into milliseconds. */
export function grpcTimeoutMs(v: string | undefined): number | undefined {
  const m = v === undefined ? null : /^(\d{1,8})([HMSmun])$/.exec(v);
  if (!m) return undefined;
  return Math.max(1, Math.ceil(Number(m[1]) * (grpcUnits[m[2] as string] ?? 1)));
}
