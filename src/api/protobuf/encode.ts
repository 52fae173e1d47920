import { create, toBinary } from "@bufbuild/protobuf";
import type { KubeObject } from "../types.js";
import { TypeMetaSchema, UnknownSchema } from "./gen/k8s.io/apimachinery/pkg/runtime/types_pb.js";
import { PROTOBUF_MAGIC } from "./decode.js";
import { messageFromJson } from "./from-json.js";
import { protobufKind } from "./kinds.js";
import { planOf } from "./plan.js";

/**
 * Encodes an object as client-go does for `application/vnd.kubernetes.protobuf`: the `k8s\0` magic and a
 * runtime.Unknown whose raw bytes are the object's generated message (kinds.ts). Throws an Error for a
 * kind without a message, or a field the message doesn't have (nothing is dropped).
 */
export function encodeKubernetesProtobuf(obj: KubeObject): Uint8Array {
  const { apiVersion = "", kind = "", ...rest } = obj as KubeObject & { apiVersion?: string; kind?: string };
  const target = protobufKind(apiVersion, kind);
  if (!target) throw new Error(`protobuf has no message for ${apiVersion}/${kind}`);
  const raw = toBinary(target.desc, messageFromJson(planOf(target.desc), rest, kind) as never);
  const envelope = toBinary(UnknownSchema, create(UnknownSchema, { typeMeta: create(TypeMetaSchema, { apiVersion, kind }), raw }));
  const out = new Uint8Array(PROTOBUF_MAGIC.length + envelope.length);
  out.set(PROTOBUF_MAGIC);
  out.set(envelope, PROTOBUF_MAGIC.length);
  return out;
}
