// Per-message lookups shared by both JSON directions, computed once per protobufjs Type.
import protobuf from 'protobufjs';
import { lowerCamel } from './well-known.ts';

const byJsonName = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();
const fullNames = new WeakMap<protobuf.ReflectionObject, string>();

/**
 * The dotted full name of a type or enum, memoized: protobufjs rebuilds `fullName` by walking the parents on every
 * access, which showed up as ~9 % self time of encoding. Protos are loaded once and never re-parented.
 */
export function fullNameOf(obj: protobuf.ReflectionObject): string {
  let name = fullNames.get(obj);
  if (name === undefined) {
    name = obj.fullName;
    fullNames.set(obj, name);
  }
  return name;
}

/** Fields of a message by proto name, lowerCamelCase name and declared json_name. */
export function fieldsByJsonName(type: protobuf.Type): Map<string, protobuf.Field> {
  let map = byJsonName.get(type);
  if (map === undefined) {
    map = new Map();
    for (const field of type.fieldsArray) {
      field.resolve();
      map.set(field.name, field);
      const camel = lowerCamel(field.name);
      if (!map.has(camel)) map.set(camel, field);
      const jsonName: unknown = field.options?.['json_name'];
      if (typeof jsonName === 'string' && !map.has(jsonName)) map.set(jsonName, field);
    }
    byJsonName.set(type, map);
  }
  return map;
}

const wireNames = new WeakMap<protobuf.Type, Map<string, string>>();

/** The name protobufjs uses for a field given its proto name (protobufjs' bundled well-known types are camelCase). */
export function wireName(type: protobuf.Type, protoName: string): string {
  let names = wireNames.get(type);
  if (names === undefined) {
    names = new Map();
    wireNames.set(type, names);
  }
  let name = names.get(protoName);
  if (name === undefined) {
    const field = fieldsByJsonName(type).get(protoName) ?? fieldsByJsonName(type).get(lowerCamel(protoName));
    if (field === undefined) throw new Error(`${type.fullName} has no field ${protoName}`);
    name = field.name;
    names.set(protoName, name);
  }
  return name;
}

/** The proto (snake_case) name of a field, used for output. */
export function protoName(field: protobuf.Field): string {
  return field.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const specialJson = new Set([
  '.google.protobuf.Any',
  '.google.protobuf.Duration',
  '.google.protobuf.Timestamp',
  '.google.protobuf.FieldMask',
  '.google.protobuf.Struct',
  '.google.protobuf.ListValue',
  '.google.protobuf.Value',
  '.google.protobuf.DoubleValue',
  '.google.protobuf.FloatValue',
  '.google.protobuf.Int64Value',
  '.google.protobuf.UInt64Value',
  '.google.protobuf.Int32Value',
  '.google.protobuf.UInt32Value',
  '.google.protobuf.BoolValue',
  '.google.protobuf.StringValue',
  '.google.protobuf.BytesValue',
]);

/** True for the well-known types whose JSON form is not a plain object of their fields. */
export function isWellKnownJsonType(type: protobuf.Type): boolean {
  return specialJson.has(fullNameOf(type));
}
