// Decoded protobufjs messages → Envoy JSON (proto3 JSON mapping, snake_case names, defaults omitted).
import protobuf from 'protobufjs';
import { CodecError, fieldPath, indexPath, keyPath } from './codec-error.ts';
import { fullNameOf, isWellKnownJsonType, protoName, wireName } from './message-fields.ts';
import { findMessage } from './protos.ts';
import type { EnvoyJson } from './snapshot.ts';
import { formatBytes, formatDuration, formatFieldMask, formatFloating, formatTimestamp } from './well-known.ts';

const maxDepth = 100;

type Decoded = Record<string, unknown>;

/** A 64-bit value as protobufjs decodes it (Long, or a number when Long is unavailable) → decimal string. */
function int64String(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && 'low' in value && 'high' in value) {
    const { low, high, unsigned } = value as { low: number; high: number; unsigned?: boolean };
    const big = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    return (unsigned === true ? big : BigInt.asIntN(64, big)).toString();
  }
  return '0';
}

function bigOf(value: unknown): bigint {
  return BigInt(int64String(value));
}

function scalarToJson(protoType: string, value: unknown): unknown {
  switch (protoType) {
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return int64String(value);
    case 'bytes':
      return formatBytes(value instanceof Uint8Array ? value : Uint8Array.from(Array.isArray(value) ? (value as number[]) : []));
    case 'double':
      return formatFloating(Number(value), false);
    case 'float':
      return formatFloating(Number(value), true);
    default:
      return value;
  }
}

function isDefaultScalar(protoType: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  switch (protoType) {
    case 'string':
      return value === '';
    case 'bool':
      return value === false;
    case 'bytes':
      return (value as { length?: number }).length === 0; // protobufjs' default is a plain []
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return int64String(value) === '0';
    default:
      return value === 0 && !Object.is(value, -0);
  }
}

function enumToJson(enumType: protobuf.Enum, value: unknown): unknown {
  if (fullNameOf(enumType) === '.google.protobuf.NullValue') return null;
  const name = typeof value === 'number' ? enumType.valuesById[value] : undefined;
  return name ?? value;
}

function valueToJson(field: protobuf.Field, value: unknown, path: string, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToJson(resolved, value as Decoded, path, depth + 1);
  if (resolved instanceof protobuf.Enum) return enumToJson(resolved, value);
  return scalarToJson(field.type, value);
}

/** Unpacks a decoded Any ({type_url, value bytes}) into {"@type": url, ...fields}. */
export function anyToJson(typeUrl: string, bytes: Uint8Array, path: string, depth = 0): EnvoyJson {
  if (typeUrl === '' && bytes.length === 0) return {};
  const inner = findMessage(typeUrl);
  if (inner === undefined) throw new CodecError(fieldPath(path, '@type'), `unknown type "${typeUrl}"`);
  let decoded: Decoded;
  try {
    decoded = inner.decode(bytes) as unknown as Decoded;
  } catch (err) {
    throw new CodecError(path, `cannot decode ${inner.fullName.slice(1)}: ${(err as Error).message}`);
  }
  const json = messageToJson(inner, decoded, path, depth + 1);
  if (isWellKnownJsonType(inner)) return { '@type': typeUrl, value: json };
  return { '@type': typeUrl, ...(json as EnvoyJson) };
}

function structToJson(type: protobuf.Type, message: Decoded, path: string, depth: number): EnvoyJson {
  const valueType = type.lookupType('Value');
  const fields = (message[wireName(type, 'fields')] ?? {}) as Record<string, Decoded>;
  const out: EnvoyJson = {};
  for (const [key, value] of Object.entries(fields)) out[key] = messageToJson(valueType, value, keyPath(path, key), depth + 1);
  return out;
}

function listValueToJson(type: protobuf.Type, message: Decoded, path: string, depth: number): unknown[] {
  const valueType = type.lookupType('Value');
  const values = (message[wireName(type, 'values')] ?? []) as Decoded[];
  return values.map((value, i) => messageToJson(valueType, value, indexPath(path, i), depth + 1));
}

function valueMessageToJson(type: protobuf.Type, message: Decoded, path: string, depth: number): unknown {
  const has = (name: string): boolean => Object.prototype.hasOwnProperty.call(message, wireName(type, name)) && message[wireName(type, name)] != null;
  if (has('number_value')) return formatFloating(Number(message[wireName(type, 'number_value')]), false);
  if (has('string_value')) return message[wireName(type, 'string_value')];
  if (has('bool_value')) return message[wireName(type, 'bool_value')];
  if (has('struct_value')) return structToJson(type.lookupType('Struct'), message[wireName(type, 'struct_value')] as Decoded, path, depth);
  if (has('list_value')) return listValueToJson(type.lookupType('ListValue'), message[wireName(type, 'list_value')] as Decoded, path, depth);
  return null;
}

function wellKnownToJson(type: protobuf.Type, message: Decoded, path: string, depth: number): unknown {
  switch (fullNameOf(type)) {
    case '.google.protobuf.Any': {
      const bytes = message[wireName(type, 'value')];
      return anyToJson(String(message[wireName(type, 'type_url')] ?? ''), bytes instanceof Uint8Array ? bytes : new Uint8Array(), path, depth);
    }
    case '.google.protobuf.Duration':
      return formatDuration(bigOf(message['seconds']), Number(message['nanos'] ?? 0));
    case '.google.protobuf.Timestamp':
      return formatTimestamp(bigOf(message['seconds']), Number(message['nanos'] ?? 0));
    case '.google.protobuf.FieldMask':
      return formatFieldMask((message[wireName(type, 'paths')] ?? []) as string[]);
    case '.google.protobuf.Struct':
      return structToJson(type, message, path, depth);
    case '.google.protobuf.ListValue':
      return listValueToJson(type, message, path, depth);
    case '.google.protobuf.Value':
      return valueMessageToJson(type, message, path, depth);
    default: {
      const valueField = type.fields['value'];
      return valueField === undefined ? null : scalarToJson(valueField.type, message['value'] ?? valueField.defaultValue);
    }
  }
}

/** Converts a message decoded by protobufjs into Envoy JSON; throws CodecError (with the field path) on an unknown Any type. */
export function messageToJson(type: protobuf.Type, message: Decoded, path = '', depth = 0): unknown {
  if (depth > maxDepth) throw new CodecError(path, `nesting deeper than ${maxDepth} levels`);
  if (isWellKnownJsonType(type)) return wellKnownToJson(type, message, path, depth);
  const out: EnvoyJson = {};
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const name = protoName(field);
    const here = fieldPath(path, name);
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length === 0) continue;
      const map: EnvoyJson = {};
      for (const [key, item] of entries) map[key] = valueToJson(field, item, keyPath(here, key), depth);
      out[name] = map;
    } else if (field.repeated) {
      const items = value as unknown[];
      if (items.length === 0) continue;
      out[name] = items.map((item, i) => valueToJson(field, item, indexPath(here, i), depth));
    } else if (field.resolvedType instanceof protobuf.Type) {
      out[name] = valueToJson(field, value, here, depth);
    } else {
      const explicit = field.hasPresence && Object.prototype.hasOwnProperty.call(message, field.name);
      if (!explicit && isDefaultScalar(field.resolvedType instanceof protobuf.Enum ? 'enum' : field.type, value)) continue;
      out[name] = valueToJson(field, value, here, depth);
    }
  }
  return out;
}
