import { create, ScalarType } from "@bufbuild/protobuf";
import { isPlainObject } from "../types.js";
import { JsonShape } from "./gen/tugboat/k8s/json_pb.js";
import type { FieldPlan, MessagePlan } from "./plan.js";

type Fields = Record<string, unknown>;

/**
 * Builds the generated message for a Kubernetes JSON value: the reverse of messageToJson. Strict, as an
 * encoder must be: a key the schema doesn't have or a value of the wrong JSON type throws an Error that
 * names its path, instead of being dropped from the bytes. `null` is absent, as in Go.
 */
export function messageFromJson(plan: MessagePlan, value: unknown, path: string): Fields {
  const msg = create(plan.desc) as unknown as Fields;
  switch (plan.shape) {
    case JsonShape.OBJECT:
      if (!isPlainObject(value)) throw wrong(path, "an object", value);
      for (const key in value) if (!plan.jsonKeys.has(key) && value[key] !== null) throw new Error(`${path}.${key} is not a field of ${plan.desc.typeName}`);
      fillObject(plan, value, msg, path);
      return msg;
    case JsonShape.TIME:
    case JsonShape.MICRO_TIME: {
      const ms = typeof value === "string" ? Date.parse(value) : NaN;
      if (Number.isNaN(ms)) throw wrong(path, "an RFC 3339 time", value);
      msg.seconds = BigInt(Math.floor(ms / 1000));
      const fraction = /\.(\d{1,9})/.exec(value as string)?.[1];
      if (plan.shape === JsonShape.MICRO_TIME && fraction) msg.nanos = Number(fraction.padEnd(9, "0"));
      return msg;
    }
    case JsonShape.INT_OR_STRING:
      if (typeof value === "string") Object.assign(msg, { type: 1n, strVal: value });
      else if (Number.isInteger(value)) msg.intVal = value;
      else throw wrong(path, "an integer or a string", value);
      return msg;
    case JsonShape.QUANTITY:
      if (typeof value !== "string" && typeof value !== "number") throw wrong(path, "a quantity", value);
      msg.string = String(value);
      return msg;
    case JsonShape.RAW_JSON:
      msg[plan.fields[0]!.local] = Buffer.from(JSON.stringify(value), "utf8");
      return msg;
    case JsonShape.LIST:
      msg[plan.fields[0]!.local] = listFromJson(plan.fields[0]!, value, path);
      return msg;
  }
}

function fillObject(plan: MessagePlan, json: Fields, msg: Fields, path: string): void {
  for (const f of plan.fields) {
    if (f.inline) {
      const child = create(f.child()!.desc) as unknown as Fields;
      fillObject(f.child()!, json, child, path);
      msg[f.local] = child;
      continue;
    }
    const v = json[f.json];
    if (v === undefined || v === null) continue;
    const at = `${path}.${f.json}`;
    switch (f.field.fieldKind) {
      case "scalar": msg[f.local] = scalarFromJson(f.scalar!, v, at); break;
      case "message": msg[f.local] = messageFromJson(f.child()!, v, at); break;
      case "list": msg[f.local] = listFromJson(f, v, at); break;
      case "map": {
        if (!isPlainObject(v)) throw wrong(at, "an object", v);
        const map: Fields = {};
        for (const k in v) map[k] = f.child() ? messageFromJson(f.child()!, v[k], `${at}[${k}]`) : scalarFromJson(f.scalar!, v[k], `${at}[${k}]`);
        msg[f.local] = map;
        break;
      }
      default: throw new Error(`field ${f.field.toString()} is an enum; Kubernetes messages have none`);
    }
  }
}

function listFromJson(f: FieldPlan, v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw wrong(path, "an array", v);
  const child = f.child();
  return v.map((item, i) => (child ? messageFromJson(child, item, `${path}[${i}]`) : scalarFromJson(f.scalar!, item, `${path}[${i}]`)));
}

function scalarFromJson(scalar: ScalarType, v: unknown, path: string): unknown {
  switch (scalar) {
    case ScalarType.STRING:
      if (typeof v !== "string") throw wrong(path, "a string", v);
      return v;
    case ScalarType.BOOL:
      if (typeof v !== "boolean") throw wrong(path, "a boolean", v);
      return v;
    case ScalarType.BYTES:
      if (typeof v !== "string") throw wrong(path, "base64 text", v);
      return Buffer.from(v, "base64");
    case ScalarType.INT64:
      if (!Number.isSafeInteger(v)) throw wrong(path, "an integer", v);
      return BigInt(v as number);
    case ScalarType.INT32:
      if (!Number.isInteger(v) || (v as number) < -(2 ** 31) || (v as number) >= 2 ** 31) throw wrong(path, "a 32-bit integer", v);
      return v;
    default:
      throw new Error(`${path}: scalar type ${scalar} is not used by Kubernetes messages`);
  }
}

function wrong(path: string, expected: string, v: unknown): Error {
  return new Error(`${path} must be ${expected}, not ${JSON.stringify(v)}`);
}
