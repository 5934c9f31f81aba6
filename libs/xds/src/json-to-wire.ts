// Envoy JSON (proto3 JSON mapping, snake_case or lowerCamelCase names) → plain objects protobufjs can encode.
import protobuf from 'protobufjs';
import { CodecError, describeJson, fieldPath, indexPath, keyPath } from './codec-error.ts';
import { fieldsByJsonName, fullNameOf, isWellKnownJsonType, wireName } from './message-fields.ts';
import { findMessage } from './protos.ts';
import {
  parseBytes,
  parseDuration,
  parseFieldMask,
  parseFloating,
  parseInt32,
  parseInt64,
  parseTimestamp,
} from './well-known.ts';

/** A message in the shape protobufjs' `Type.encode` accepts. */
export type WireMessage = { [field: string]: unknown };

const maxDepth = 100;

/** How strictly JSON is checked. */
export interface WireOptions {
  /** Skip fields the protos do not know (newer Envoy fields), like Envoy's --ignore-unknown-fields. */
  ignoreUnknownFields?: boolean;
}

const strictOptions: WireOptions = {};
/** A decimal string → the {low, high} pair protobufjs' writer accepts for 64-bit fields (no Long needed). */
function toLong(decimal: string, unsigned: boolean): unknown {
  const bits = BigInt.asUintN(64, BigInt(decimal));
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts a JSON scalar to the wire value for a scalar proto type. */
function scalarToWire(protoType: string, value: unknown, path: string): unknown {
  switch (protoType) {
    case 'string':
      if (typeof value !== 'string') throw new CodecError(path, `expected a string, got ${describeJson(value)}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw new CodecError(path, `expected true or false, got ${describeJson(value)}`);
      return value;
    case 'bytes':
      return parseBytes(value, path);
    case 'double':
    case 'float':
      return parseFloating(value, path);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return parseInt32(value, false, path);
    case 'uint32':
    case 'fixed32':
      return parseInt32(value, true, path);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return toLong(parseInt64(value, false, path), false);
    case 'uint64':
    case 'fixed64':
      return toLong(parseInt64(value, true, path), true);
    default:
      throw new CodecError(path, `unsupported scalar type ${protoType}`);
  }
}

function enumToWire(enumType: protobuf.Enum, value: unknown, path: string): number {
  if (typeof value === 'string') {
    const number = enumType.values[value];
    if (number === undefined) {
      const known = Object.keys(enumType.values).slice(0, 12).join(', ');
      throw new CodecError(path, `unknown value "${value}" for enum ${enumType.fullName.slice(1)} (one of: ${known})`);
    }
    return number;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw new CodecError(path, `expected an enum name of ${enumType.fullName.slice(1)}, got ${describeJson(value)}`);
}

/** A JSON value of a singular field (not repeated, not map) → wire value. */
function valueToWire(field: protobuf.Field, value: unknown, path: string, depth: number, options: WireOptions): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageToWire(resolved, value, path, depth + 1, options);
  if (resolved instanceof protobuf.Enum) {
    if (value === null && fullNameOf(resolved) === '.google.protobuf.NullValue') return 0;
    return enumToWire(resolved, value, path);
  }
  return scalarToWire(field.type, value, path);
}

const childTypes = new WeakMap<protobuf.Type, Map<string, protobuf.Type>>();

/** `type.lookupType(name)`, memoized: the namespace walk showed up in every Struct and Value of every resource. */
function childType(type: protobuf.Type, name: string): protobuf.Type {
  let byName = childTypes.get(type);
  if (byName === undefined) {
    byName = new Map();
    childTypes.set(type, byName);
  }
  let found = byName.get(name);
  if (found === undefined) {
    found = type.lookupType(name);
    byName.set(name, found);
  }
  return found;
}

function structToWire(type: protobuf.Type, json: unknown, path: string, depth: number, options: WireOptions): WireMessage {
  if (!isObject(json)) throw new CodecError(path, `expected a JSON object (google.protobuf.Struct), got ${describeJson(json)}`);
  const valueType = childType(type, 'Value');
  const fields: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(json)) fields[key] = messageToWire(valueType, item, keyPath(path, key), depth + 1, options);
  return { [wireName(type, 'fields')]: fields };
}

function listValueToWire(type: protobuf.Type, json: unknown, path: string, depth: number, options: WireOptions): WireMessage {
  if (!Array.isArray(json)) throw new CodecError(path, `expected a JSON array (google.protobuf.ListValue), got ${describeJson(json)}`);
  const valueType = childType(type, 'Value');
  return { [wireName(type, 'values')]: json.map((item, i) => messageToWire(valueType, item, indexPath(path, i), depth + 1, options)) };
}

function valueMessageToWire(type: protobuf.Type, json: unknown, path: string, depth: number, options: WireOptions): WireMessage {
  if (json === null) return { [wireName(type, 'null_value')]: 0 };
  if (typeof json === 'number') {
    if (!Number.isFinite(json)) throw new CodecError(path, 'google.protobuf.Value cannot hold NaN or Infinity');
    return { [wireName(type, 'number_value')]: json };
  }
  if (typeof json === 'string') return { [wireName(type, 'string_value')]: json };
  if (typeof json === 'boolean') return { [wireName(type, 'bool_value')]: json };
  if (Array.isArray(json)) return { [wireName(type, 'list_value')]: listValueToWire(childType(type, 'ListValue'), json, path, depth, options) };
  if (isObject(json)) return { [wireName(type, 'struct_value')]: structToWire(childType(type, 'Struct'), json, path, depth, options) };
  throw new CodecError(path, `unsupported JSON value ${describeJson(json)}`);
}

/** Any in JSON: {"@type": url, ...fields} or, for well-known types with a special JSON form, {"@type": url, "value": x}. */
export function anyToWire(type: protobuf.Type, json: unknown, path: string, depth: number, options: WireOptions = strictOptions): WireMessage {
  if (!isObject(json)) throw new CodecError(path, `expected an object with "@type" (google.protobuf.Any), got ${describeJson(json)}`);
  const typeUrl = json['@type'];
  if (typeUrl === undefined && Object.keys(json).length === 0) return {};
  if (typeof typeUrl !== 'string' || typeUrl === '') throw new CodecError(path, 'google.protobuf.Any needs a "@type" string');
  const inner = findMessage(typeUrl);
  if (inner === undefined) throw new CodecError(fieldPath(path, '@type'), `unknown type "${typeUrl}"`);
  let payload: WireMessage;
  if (isWellKnownJsonType(inner)) {
    for (const key of Object.keys(json)) {
      if (key !== '@type' && key !== 'value') throw new CodecError(fieldPath(path, key), `unknown field "${key}" (an Any of ${inner.fullName.slice(1)} holds its JSON in "value")`);
    }
    payload = messageToWire(inner, json['value'], fieldPath(path, 'value'), depth + 1, options);
  } else {
    const { '@type': _ignored, ...fields } = json;
    payload = messageToWire(inner, fields, path, depth + 1, options);
  }
  return { [wireName(type, 'type_url')]: typeUrl, [wireName(type, 'value')]: inner.encode(payload).finish() };
}

function wellKnownToWire(type: protobuf.Type, json: unknown, path: string, depth: number, options: WireOptions): WireMessage {
  switch (fullNameOf(type)) {
    case '.google.protobuf.Any':
      return anyToWire(type, json, path, depth, options);
    case '.google.protobuf.Duration': {
      const d = parseDuration(json, path);
      return { seconds: toLong(d.seconds, false), nanos: d.nanos };
    }
    case '.google.protobuf.Timestamp': {
      const t = parseTimestamp(json, path);
      return { seconds: toLong(t.seconds, false), nanos: t.nanos };
    }
    case '.google.protobuf.FieldMask':
      return { [wireName(type, 'paths')]: parseFieldMask(json, path) };
    case '.google.protobuf.Struct':
      return structToWire(type, json, path, depth, options);
    case '.google.protobuf.ListValue':
      return listValueToWire(type, json, path, depth, options);
    case '.google.protobuf.Value':
      return valueMessageToWire(type, json, path, depth, options);
    default: {
      // The wrappers (DoubleValue ... BytesValue): the JSON is the wrapped value itself.
      const valueField = type.fields['value'];
      if (valueField === undefined) throw new CodecError(path, `no JSON mapping for ${type.fullName.slice(1)}`);
      return { value: scalarToWire(valueField.type, json, path) };
    }
  }
}

/** Per-field facts messageToWire needs for every occurrence, computed once. */
const fieldMetas = new WeakMap<protobuf.Field, { nullValue: boolean; proto3Optional: boolean }>();

function fieldMeta(field: protobuf.Field): { nullValue: boolean; proto3Optional: boolean } {
  let meta = fieldMetas.get(field);
  if (meta === undefined) {
    const resolvedName = field.resolvedType === null ? undefined : fullNameOf(field.resolvedType);
    meta = {
      nullValue: resolvedName === '.google.protobuf.Value' || resolvedName === '.google.protobuf.NullValue',
      proto3Optional: field.options?.['proto3_optional'] === true,
    };
    fieldMetas.set(field, meta);
  }
  return meta;
}

/** The spelling under which `field` first appears in `json` (for the "set twice" error). */
function firstSpelling(json: Record<string, unknown>, byName: Map<string, protobuf.Field>, field: protobuf.Field, second: string): string {
  for (const key of Object.keys(json)) if (key !== second && byName.get(key) === field) return key;
  return field.name;
}

/** Converts an Envoy JSON message of `type` into a protobufjs-encodable object; throws CodecError with the field path. */
export function messageToWire(type: protobuf.Type, json: unknown, path = '', depth = 0, options: WireOptions = strictOptions): WireMessage {
  if (depth > maxDepth) throw new CodecError(path, `nesting deeper than ${maxDepth} levels`);
  if (isWellKnownJsonType(type)) return wellKnownToWire(type, json, path, depth, options);
  if (!isObject(json)) throw new CodecError(path, `expected an object (${type.fullName.slice(1)}), got ${describeJson(json)}`);
  const byName = fieldsByJsonName(type);
  const wire: WireMessage = {};
  // Allocated only when needed: most messages have no oneof members and no fields set to null.
  let oneofSeen: Map<string, string> | undefined;
  let nullSeen: Map<string, string> | undefined;
  for (const key in json) {
    if (!Object.hasOwn(json, key)) continue;
    const value = json[key];
    const field = byName.get(key);
    if (field === undefined) {
      if (key === '@type' && typeof value === 'string' && findMessage(value) === type) continue;
      if (options.ignoreUnknownFields === true) continue;
      throw new CodecError(fieldPath(path, key), `unknown field "${key}" in ${type.fullName.slice(1)}`);
    }
    const here = fieldPath(path, field.name);
    // Two spellings of one field (proto name, lowerCamel, json_name): the second finds the first one's value.
    if (Object.hasOwn(wire, field.name) || nullSeen?.has(field.name) === true) {
      throw new CodecError(here, `set twice (as "${firstSpelling(json, byName, field, key)}" and "${key}")`);
    }
    const meta = fieldMeta(field);
    if (value === null && !(meta.nullValue && !field.repeated && !field.map)) {
      (nullSeen ??= new Map()).set(field.name, key);
      continue; // null means "not set"
    }
    const oneof = field.partOf;
    if (oneof !== null && !meta.proto3Optional) {
      oneofSeen ??= new Map();
      const other = oneofSeen.get(oneof.name);
      if (other !== undefined) throw new CodecError(here, `only one of ${other} and ${field.name} may be set (oneof ${oneof.name})`);
      oneofSeen.set(oneof.name, field.name);
    }
    if (field.map) {
      if (!isObject(value)) throw new CodecError(here, `expected an object (map), got ${describeJson(value)}`);
      const keyType = (field as unknown as protobuf.MapField).keyType;
      const map: Record<string, unknown> = {};
      for (const [mapKey, item] of Object.entries(value)) {
        const itemPath = keyPath(here, mapKey);
        if (keyType === 'bool' && mapKey !== 'true' && mapKey !== 'false') throw new CodecError(itemPath, 'map key must be "true" or "false"');
        if (keyType !== 'string' && keyType !== 'bool' && !/^-?\d+$/.test(mapKey)) throw new CodecError(itemPath, `map key must be an integer (${keyType})`);
        map[mapKey] = valueToWire(field, item, itemPath, depth, options);
      }
      wire[field.name] = map;
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new CodecError(here, `expected an array, got ${describeJson(value)}`);
      wire[field.name] = value.map((item, i) => valueToWire(field, item, indexPath(here, i), depth, options));
    } else {
      wire[field.name] = valueToWire(field, value, here, depth, options);
    }
  }
  return wire;
}
