import { ScalarType } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { JsonShape } from "./gen/tugboat/k8s/json_pb.js";
import type { FieldPlan, MessagePlan } from "./plan.js";
import { shapeToJson } from "./shapes.js";

/** Why a body does not fit its schema: a field number the message doesn't have, or a field in another wire type. */
export class WireMismatch extends Error {
  constructor(readonly kind: "unknown-field" | "wrong-type", message: string) {
    super(message);
  }
}

type Json = Record<string, unknown>;

const MAX_DEPTH = 100;

/**
 * Reads a Kubernetes message straight into the JSON Kubernetes serves for it, walking the generated
 * descriptors (plan.ts) in one pass, as Go's encoding/json would write the decoded struct: a non-pointer
 * scalar's zero value and empty lists and maps are omitted (`omitempty`), a pointer's zero value is kept,
 * messages whose JSON is not an object take their JSON form (shapes.ts), inline members merge into their
 * parent. Stricter than fromBinary: a field number the message doesn't have, or a known number in another
 * wire type than its schema's, throws WireMismatch instead of being set aside or read into the wrong field;
 * truncated bytes throw the reader's Error. One pass without an intermediate message: on a Deployment body
 * about half the time of fromBinary followed by a conversion walk (bench/protobuf.ts has the figure).
 */
export function readKubeJson(plan: MessagePlan, bytes: Uint8Array): unknown {
  const r = new BinaryReader(bytes);
  return readMessage(plan, r, r.len, 0);
}

function readMessage(plan: MessagePlan, r: BinaryReader, end: number, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new WireMismatch("wrong-type", `${plan.desc.typeName} nests deeper than ${MAX_DEPTH}`);
  if (plan.shape === JsonShape.OBJECT) return readObject(plan, r, end, {}, depth);
  const fields: Json = {};
  readObject(plan, r, end, fields, depth, true);
  return shapeToJson(plan, fields);
}

/** Reads fields until `end` into `out`: by JSON name, or with `raw` by local name with zero values kept (for shapes.ts). */
function readObject(plan: MessagePlan, r: BinaryReader, end: number, out: Json, depth: number, raw = false): Json {
  while (r.pos < end) {
    const [no, wire] = r.tag();
    const f = plan.byNumber.get(no);
    if (!f) throw new WireMismatch("unknown-field", `protobuf field ${no} of ${plan.desc.typeName} is not known`);
    if (!f.wire.includes(wire)) throw new WireMismatch("wrong-type", `protobuf field ${no} (${f.json}) of ${plan.desc.typeName} has wire type ${wire}, expected ${f.wire[0]}`);
    const key = raw ? f.local : f.json;
    switch (f.field.fieldKind) {
      case "scalar": {
        const v = raw && f.scalar === ScalarType.BYTES ? r.bytes() : readScalar(r, f.scalar!);
        if (raw || f.explicit || !isZero(v)) out[key] = v;
        else delete out[key];
        break;
      }
      case "message": {
        const childEnd = lengthEnd(r);
        if (f.inline) readObject(f.child()!, r, childEnd, out, depth + 1);
        else {
          const v = readMessage(f.child()!, r, childEnd, depth + 1);
          if (v !== undefined) out[key] = v;
          else delete out[key];
        }
        break;
      }
      case "list": readListItem(f, r, wire, (out[key] ??= []) as unknown[], depth); break;
      case "map": readMapEntry(f, r, (out[key] ??= {}) as Json, depth); break;
      default: throw new WireMismatch("wrong-type", `field ${f.json} of ${plan.desc.typeName} is an enum; Kubernetes messages have none`);
    }
  }
  if (r.pos !== end) throw new Error(`premature end of ${plan.desc.typeName}`);
  return out;
}

function readListItem(f: FieldPlan, r: BinaryReader, wire: WireType, list: unknown[], depth: number): void {
  const child = f.child();
  if (child) {
    list.push(readMessage(child, r, lengthEnd(r), depth + 1) ?? null);
  } else if (wire === WireType.LengthDelimited && f.scalar !== ScalarType.STRING && f.scalar !== ScalarType.BYTES) {
    const end = lengthEnd(r);
    while (r.pos < end) list.push(readScalar(r, f.scalar!));
  } else {
    list.push(readScalar(r, f.scalar!));
  }
}

/** A map entry: key (1) a string, value (2) a scalar or a message. */
function readMapEntry(f: FieldPlan, r: BinaryReader, map: Json, depth: number): void {
  const end = lengthEnd(r);
  const child = f.child();
  let key = "";
  let value: unknown;
  while (r.pos < end) {
    const [no, wire] = r.tag();
    if (no === 1 && wire === WireType.LengthDelimited) key = r.string();
    else if (no === 2 && child && wire === WireType.LengthDelimited) value = readMessage(child, r, lengthEnd(r), depth + 1);
    else if (no === 2 && !child && f.wire.includes(wire)) value = readScalar(r, f.scalar!);
    else throw new WireMismatch(no === 1 || no === 2 ? "wrong-type" : "unknown-field", `protobuf field ${no} of an entry of map ${f.json} has wire type ${wire}`);
  }
  if (r.pos !== end) throw new Error(`premature end of an entry of map ${f.json}`);
  value ??= !child ? "" : child.shape === JsonShape.OBJECT ? {} : shapeToJson(child, {});
  // JSON.parse makes "__proto__" an own key; so must we, rather than set the map's prototype.
  if (key === "__proto__") Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
  else map[key] = value;
}

function lengthEnd(r: BinaryReader): number {
  const len = r.uint32();
  const end = r.pos + len;
  if (end > r.len) throw new Error("premature end of a length-delimited field");
  return end;
}

function readScalar(r: BinaryReader, scalar: ScalarType): unknown {
  switch (scalar) {
    case ScalarType.STRING: return r.string();
    case ScalarType.BOOL: return r.bool();
    case ScalarType.INT32: return r.int32();
    case ScalarType.INT64: return Number(r.int64());
    case ScalarType.BYTES: {
      const b = r.bytes();
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
    }
    default: throw new WireMismatch("wrong-type", `scalar type ${scalar} is not used by Kubernetes messages`);
  }
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false;
}
