import { encodeKubernetesProtobuf } from "../../api/protobuf/encode.js";
import type { KubeObject } from "../../api/types.js";

export const PROTOBUF = "application/vnd.kubernetes.protobuf";

/** The Accept header puts protobuf first, as client-go's typed clients do (`application/vnd.kubernetes.protobuf,application/json`). */
export function prefersProtobuf(accept: string | undefined): boolean {
  const first = (accept ?? "").split(",")[0]!.split(";")[0]!.trim();
  return first === PROTOBUF;
}

/**
 * An object as protobuf for a client that prefers it, as upstream answers; undefined when its kind has no
 * message here (src/api/protobuf/kinds.ts) or it holds a field the message lacks: the client, which also
 * accepts JSON, then gets JSON rather than an object with fields dropped.
 */
export function protobufBody(obj: KubeObject): Buffer | undefined {
  try {
    const bytes = encodeKubernetesProtobuf(obj);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch {
    return undefined;
  }
}
