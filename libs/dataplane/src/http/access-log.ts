// File access logs of the HTTP connection manager (envoy.access_loggers.file) with Envoy's command operators,
// e.g. Istio's meshConfig.accessLogFile=/dev/stdout.
import { createWriteStream, type WriteStream } from 'node:fs';
import { ConfigError, anyType, arr, isObject, obj, optObj, str, type Json } from '../config/json-reader.ts';

const FILE_LOGGER = 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog';
const STREAM_LOGGERS = new Set(['type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog', 'type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog']);

/** Envoy's default format. */
export const DEFAULT_ACCESS_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

/** Everything a log line can refer to, collected while the request is served. */
export interface AccessLogRecord {
  startTime: number;
  method: string;
  path: string;
  protocol: string;
  requestHeader: (name: string) => string | undefined;
  responseHeader: (name: string) => string | undefined;
  /** Request headers as forwarded (with x-request-id and route edits); REQ() reads these first. */
  forwardedHeaders: Record<string, unknown> | undefined;
  /** Upstream response headers as sent downstream (writeHead does not keep them readable). */
  responseHeaders: Record<string, unknown> | undefined;
  status: number;
  flags: string[];
  bytesReceived: number;
  bytesSent: number;
  upstreamCluster: string;
  upstreamHost: string;
  downstreamRemote: string;
  downstreamLocal: string;
  serverName: string;
  routeName: string;
}

export interface AccessLogger {
  readonly sink: string;
  readonly format: string | undefined;
  readonly json: Json | undefined;
}

/** Compiles an HCM's access_log list (file and stdout/stderr loggers; others are rejected). */
export function compileAccessLogs(v: unknown, path: string): AccessLogger[] {
  return arr(v, path).map((a, i) => {
    const p = `${path}[${i}]`;
    const tc = obj(obj(a, p)['typed_config'], `${p}.typed_config`);
    const t = anyType(tc);
    let sink: string;
    if (t === FILE_LOGGER) sink = str(tc['path'], `${p}.typed_config.path`);
    else if (STREAM_LOGGERS.has(t)) sink = t.includes('Stderr') ? '/dev/stderr' : '/dev/stdout';
    else throw new ConfigError(`${p}.typed_config`, `unsupported access logger "${t}"`);
    if (!sink) throw new ConfigError(`${p}.typed_config.path`, 'is required');
    const lf = optObj(tc['log_format'], `${p}.typed_config.log_format`);
    let format: string | undefined = tc['format'] !== undefined ? str(tc['format'], `${p}.typed_config.format`) : undefined;
    let json: Json | undefined = optObj(tc['json_format'], `${p}.typed_config.json_format`);
    if (lf) {
      const src = optObj(lf['text_format_source'], `${p}.typed_config.log_format.text_format_source`);
      if (src) format = str(src['inline_string'], `${p}.typed_config.log_format.text_format_source.inline_string`);
      if (lf['json_format'] !== undefined) json = obj(lf['json_format'], `${p}.typed_config.log_format.json_format`);
    }
    return { sink, format, json };
  });
}

const streams = new Map<string, NodeJS.WritableStream | WriteStream>();

function sinkStream(path: string): NodeJS.WritableStream {
  if (path === '/dev/stdout') return process.stdout;
  if (path === '/dev/stderr') return process.stderr;
  let s = streams.get(path);
  if (!s) {
    s = createWriteStream(path, { flags: 'a' });
    (s as WriteStream).on('error', () => undefined);
    streams.set(path, s);
  }
  return s;
}

function operator(op: string, r: AccessLogRecord): string | number | undefined {
  const m = /^(REQ|RESP)\(([^)]*)\)(?::(\d+))?$/.exec(op);
  if (m) {
    const [main = '', alt] = (m[2] as string).split('?');
    const get = m[1] === 'REQ' ? r.requestHeader : r.responseHeader;
    const name = (n: string): string | undefined => {
      const k = n.toLowerCase();
      if (m[1] === 'REQ') {
        if (k === ':method') return r.method;
        if (k === ':path') return r.path;
      }
      return get(k);
    };
    let v = name(main) ?? (alt ? name(alt) : undefined);
    if (v !== undefined && m[3]) v = v.slice(0, Number(m[3]));
    return v;
  }
  switch (op) {
    case 'START_TIME':
      return new Date(r.startTime).toISOString();
    case 'PROTOCOL':
      return r.protocol;
    case 'RESPONSE_CODE':
      return r.status;
    case 'RESPONSE_FLAGS':
      return r.flags.length ? r.flags.join(',') : '-';
    case 'BYTES_RECEIVED':
      return r.bytesReceived;
    case 'BYTES_SENT':
      return r.bytesSent;
    case 'DURATION':
      return Date.now() - r.startTime;
    case 'UPSTREAM_HOST':
      return r.upstreamHost || undefined;
    case 'UPSTREAM_CLUSTER':
      return r.upstreamCluster || undefined;
    case 'DOWNSTREAM_REMOTE_ADDRESS':
      return r.downstreamRemote;
    case 'DOWNSTREAM_LOCAL_ADDRESS':
      return r.downstreamLocal;
    case 'REQUESTED_SERVER_NAME':
      return r.serverName || undefined;
    case 'ROUTE_NAME':
      return r.routeName || undefined;
    default:
      return undefined;
  }
}

function expand(format: string, r: AccessLogRecord): string {
  return format.replace(/%([A-Z_]+(?:\([^)]*\))?(?::\d+)?)%/g, (_all, op: string) => {
    const v = operator(op, r);
    return v === undefined || v === '' ? '-' : String(v);
  });
}

function expandJson(j: Json, r: AccessLogRecord): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(j)) {
    if (typeof v === 'string') {
      const whole = /^%([A-Z_]+(?:\([^)]*\))?(?::\d+)?)%$/.exec(v);
      out[k] = whole ? (operator(whole[1] as string, r) ?? null) : expand(v, r);
    } else if (isObject(v)) out[k] = expandJson(v, r);
    else out[k] = v;
  }
  return out;
}

/** Writes one line per logger for a finished request. */
export function writeAccessLogs(loggers: readonly AccessLogger[], r: AccessLogRecord): void {
  for (const l of loggers) {
    const line = l.json ? JSON.stringify(expandJson(l.json, r)) + '\n' : expand(l.format ?? DEFAULT_ACCESS_LOG_FORMAT, r);
    sinkStream(l.sink).write(line.endsWith('\n') ? line : line + '\n');
  }
}
