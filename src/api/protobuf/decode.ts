import { fromBinary } from "@bufbuild/protobuf";
import { StatusError } from "../errors.js";
import type { KubeObject } from "../types.js";
import { UnknownSchema } from "./gen/k8s.io/apimachinery/pkg/runtime/types_pb.js";
import { protobufKind } from "./kinds.js";
import { planOf } from "./plan.js";
import { readKubeJson, WireMismatch } from "./read.js";

/** Every `application/vnd.kubernetes.protobuf` body starts with "k8s\0". */
export const PROTOBUF_MAGIC: readonly number[] = [0x6b, 0x38, 0x73, 0x00];

const NO_UNKNOWN = { readUnknownFields: false };

function unsupported(what: string): StatusError {
  return new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - ${what}; send application/json instead`);
}

/**
 * Decodes the body of a request sent as `application/vnd.kubernetes.protobuf`: the `k8s\0` magic, a
 * runtime.Unknown carrying TypeMeta and the object's bytes, read by the generated descriptor of its kind
 * (kinds.ts) into the JSON the API takes. A kind Tugboat has no message for, or a field number its message
 * doesn't have, is 415 (send JSON); bytes that don't parse, or a field in another wire type than its
 * schema's, are 400: nothing is dropped or read into the wrong field silently.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): KubeObject {
  if (body.length < 4 || PROTOBUF_MAGIC.some((b, i) => body[i] !== b)) throw unsupported("a protobuf body must start with the k8s envelope");
  const envelopeBytes = body.subarray(4);
  let envelope;
  try {
    envelope = fromBinary(UnknownSchema, envelopeBytes, NO_UNKNOWN);
  } catch {
    throw new StatusError(400, "BadRequest", "the body of the request could not be decoded as a protobuf envelope");
  }
  const apiVersion = envelope.typeMeta?.apiVersion ?? "";
  const kind = envelope.typeMeta?.kind ?? "";
  if (envelope.contentEncoding !== "") throw unsupported(`protobuf content encoding ${JSON.stringify(envelope.contentEncoding)} is not accepted`);
  const target = protobufKind(apiVersion, kind);
  if (!target) throw unsupported(`protobuf is not accepted for ${apiVersion}/${kind}`);
  let obj: KubeObject;
  try {
    obj = readKubeJson(planOf(target.desc), envelope.raw) as KubeObject;
  } catch (e) {
    if (e instanceof WireMismatch && e.kind === "unknown-field") throw unsupported(e.message);
    const detail = e instanceof WireMismatch ? `: ${e.message}` : "";
    throw new StatusError(400, "BadRequest", `the protobuf body of ${apiVersion}/${kind} could not be decoded${detail}`);
  }
  obj.apiVersion = apiVersion;
  obj.kind = kind;
  if (!obj.metadata && !target.options) obj.metadata = {};
  return obj;
}
