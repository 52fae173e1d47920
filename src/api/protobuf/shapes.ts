import { formatTime } from "../meta.js";
import { JsonShape } from "./gen/tugboat/k8s/json_pb.js";
import type { MessagePlan } from "./plan.js";

/** The Unix seconds of Go's zero time, 0001-01-01T00:00:00Z: an unset metav1.Time. */
export const ZERO_TIME_SECONDS = -62135596800;

/**
 * The JSON of a message whose JSON is not an object (the `tugboat.k8s.json_shape` option), from its fields
 * as read (by local name; absent when not on the wire; int64 as a number, bytes as bytes). Undefined for
 * what Go writes as absent: the zero Time, an empty RawExtension or FieldsV1.
 */
export function shapeToJson(plan: MessagePlan, fields: Record<string, unknown>): unknown {
  switch (plan.shape) {
    case JsonShape.TIME:
    case JsonShape.MICRO_TIME: {
      const seconds = fields.seconds as number | undefined;
      if (seconds === undefined || seconds === ZERO_TIME_SECONDS) return undefined;
      if (plan.shape === JsonShape.TIME) return formatTime(seconds * 1000);
      const micros = Math.floor(((fields.nanos as number | undefined) ?? 0) / 1000);
      return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(micros).padStart(6, "0")}Z`;
    }
    // type 1 is a string; anything else (0, or absent) an integer.
    case JsonShape.INT_OR_STRING: return fields.type === 1 ? (fields.strVal ?? "") : (fields.intVal ?? 0);
    case JsonShape.QUANTITY: return (fields.string as string | undefined) || "0";
    case JsonShape.RAW_JSON: {
      const raw = fields[plan.fields[0]!.local] as Uint8Array | undefined;
      if (!raw || raw.length === 0) return undefined;
      return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("utf8"));
    }
    case JsonShape.LIST: return fields[plan.fields[0]!.local] ?? [];
    default: throw new Error(`${plan.desc.typeName} is an object, not a shape`);
  }
}
