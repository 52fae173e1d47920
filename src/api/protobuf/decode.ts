import protobuf from "protobufjs/minimal.js";
import { StatusError } from "../errors.js";
import { formatTime } from "../meta.js";
import type { KubeObject } from "../types.js";
import { MESSAGES, OPTIONS_KINDS, TOP_LEVEL, type Field } from "./schema.js";

const MAGIC = [0x6b, 0x38, 0x73, 0x00]; // "k8s\0"
const ZERO_TIME_SECONDS = -62135596800;

type Json = Record<string, unknown>;

function unsupported(what: string): StatusError {
  return new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - ${what}; send application/json instead`);
}

function toNumber(v: unknown): number {
  return typeof v === "number" ? v : Number(String(v));
}

/**
 * Decodes the body of a request sent as `application/vnd.kubernetes.protobuf`: the `k8s\0` envelope, a
 * runtime.Unknown carrying TypeMeta and the raw message, decoded into the same JSON shape the API takes.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): KubeObject {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) throw unsupported("a protobuf body must start with the k8s envelope");
  let apiVersion = "";
  let kind = "";
  let raw: Uint8Array | undefined;
  try {
    const r = protobuf.Reader.create(body.subarray(4));
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === 1) {
        const t = r.uint32();
        const end = r.pos + t;
        while (r.pos < end) {
          const inner = r.uint32();
          if (inner >>> 3 === 1) apiVersion = r.string();
          else if (inner >>> 3 === 2) kind = r.string();
          else r.skipType(inner & 7);
        }
      } else if (tag >>> 3 === 2) raw = r.bytes();
      else r.skipType(tag & 7);
    }
  } catch {
    throw new StatusError(400, "BadRequest", "the body of the request could not be decoded as a protobuf envelope");
  }
  const options = OPTIONS_KINDS[kind];
  const message = options ?? TOP_LEVEL[`${apiVersion}/${kind}`];
  if (!message) throw unsupported(`protobuf is not accepted for ${apiVersion}/${kind}`);
  const obj = decodeMessage(raw ?? new Uint8Array(), message) as KubeObject;
  obj.apiVersion = apiVersion;
  obj.kind = kind;
  if (!obj.metadata && !options) obj.metadata = {};
  return obj;
}

function decodeMessage(bytes: Uint8Array, name: string): Json {
  const fields = MESSAGES[name];
  if (!fields) throw unsupported(`protobuf message ${name} is not known`);
  if (name === "Opaque" && bytes.length > 0) throw unsupported("this object uses fields Tugboat only takes as JSON");
  const byNumber = new Map<number, Field>(fields.map((f) => [f[0], f]));
  const out: Json = {};
  let r: protobuf.Reader;
  try {
    r = protobuf.Reader.create(bytes);
  } catch {
    throw new StatusError(400, "BadRequest", `the protobuf message ${name} could not be decoded`);
  }
  while (r.pos < r.len) {
    const tag = r.uint32();
    const field = byNumber.get(tag >>> 3);
    if (!field) throw unsupported(`protobuf field ${tag >>> 3} of ${name} is not known`);
    const [, json, type, flags = ""] = field;
    if (type === "msg:Skip") {
      r.skipType(tag & 7);
      continue;
    }
    const value = readValue(r, type);
    if (flags.includes("r")) {
      (out[json] ??= []) as unknown[];
      (out[json] as unknown[]).push(value);
    } else if (type === "map" || type === "bytesmap" || type === "quantitymap") {
      const [k, v] = value as [string, unknown];
      ((out[json] ??= {}) as Json)[k] = v;
    } else if (value !== undefined && (flags.includes("p") || !isZero(value))) {
      out[json] = value;
    }
  }
  return out;
}

function isZero(v: unknown): boolean {
  return v === "" || v === 0 || v === false;
}

function readValue(r: protobuf.Reader, type: string): unknown {
  switch (type) {
    case "string": return r.string();
    case "bytes": return Buffer.from(r.bytes()).toString("base64");
    case "bool": return r.bool();
    case "int32": return r.int32();
    case "int64": return toNumber(r.int64());
    case "quantity": return readFields(r.bytes(), (f, rr) => (f === 1 ? rr.string() : undefined))[1] ?? "0";
    case "intstr": {
      const f = readFields(r.bytes(), (n, rr) => (n === 1 ? toNumber(rr.int64()) : n === 2 ? rr.int32() : n === 3 ? rr.string() : undefined));
      return f[1] === 1 ? (f[3] ?? "") : (f[2] ?? 0);
    }
    case "time": {
      const f = readFields(r.bytes(), (n, rr) => (n === 1 ? toNumber(rr.int64()) : n === 2 ? rr.int32() : undefined));
      const seconds = (f[1] as number | undefined) ?? 0;
      if (seconds === ZERO_TIME_SECONDS || seconds === 0 && f[2] === undefined && f[1] === undefined) return undefined;
      return formatTime(seconds * 1000);
    }
    case "map":
    case "bytesmap":
    case "quantitymap": {
      const f = readFields(r.bytes(), (n, rr) => {
        if (n === 1) return rr.string();
        if (n !== 2) return undefined;
        if (type === "map") return rr.string();
        if (type === "bytesmap") return Buffer.from(rr.bytes()).toString("base64");
        return readFields(rr.bytes(), (m, q) => (m === 1 ? q.string() : undefined))[1];
      });
      return [f[1] ?? "", f[2] ?? ""];
    }
    default:
      return decodeMessage(r.bytes(), type.slice(4));
  }
}

/** Reads a small message's fields by number (for the well-known wrapper types: Time, IntOrString, Quantity, map entries). */
function readFields(bytes: Uint8Array, read: (field: number, r: protobuf.Reader) => unknown): Record<number, unknown> {
  const r = protobuf.Reader.create(bytes);
  const out: Record<number, unknown> = {};
  while (r.pos < r.len) {
    const tag = r.uint32();
    const v = read(tag >>> 3, r);
    if (v === undefined) r.skipType(tag & 7);
    else out[tag >>> 3] = v;
  }
  return out;
}
