import { getOption, ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { WireType } from "@bufbuild/protobuf/wire";
import { inline, json_shape, JsonShape } from "./gen/tugboat/k8s/json_pb.js";

/**
 * What the conversions between a generated message and Kubernetes JSON need to know about one field,
 * read once from the generated descriptors (and the `tugboat.k8s` options of proto/k8s/tugboat/k8s/json.proto).
 */
export interface FieldPlan {
  readonly field: DescField;
  /** The property of the generated message. */
  readonly local: string;
  /** The key in Kubernetes JSON. */
  readonly json: string;
  /** A Go struct embedded with `json:",inline"`: its fields sit in the parent's JSON object. */
  readonly inline: boolean;
  /** A Go pointer (proto3 `optional`): its zero value is kept. Every other scalar's zero value is omitted. */
  readonly explicit: boolean;
  /** The scalar of a scalar field, of a list of scalars, or of a map's values. */
  readonly scalar: ScalarType | undefined;
  /** The wire types a well-formed body may carry for this field. */
  readonly wire: readonly WireType[];
  /** The message of a message field, of a list of messages, or of a map's values. */
  child(): MessagePlan | undefined;
}

export interface MessagePlan {
  readonly desc: DescMessage;
  readonly shape: JsonShape;
  readonly fields: readonly FieldPlan[];
  readonly byNumber: ReadonlyMap<number, FieldPlan>;
  /** Every JSON key of this message's object, its inline members' included. */
  readonly jsonKeys: ReadonlySet<string>;
}

const plans = new Map<DescMessage, MessagePlan>();

/** The plan of a message, compiled on first use (recursive types resolve lazily through `child()`). */
export function planOf(desc: DescMessage): MessagePlan {
  let plan = plans.get(desc);
  if (plan) return plan;
  const fields = desc.fields.map(fieldPlan);
  const jsonKeys = new Set<string>();
  plan = { desc, shape: getOption(desc, json_shape), fields, byNumber: new Map(fields.map((f) => [f.field.number, f])), jsonKeys };
  plans.set(desc, plan);
  for (const f of fields) {
    if (!f.inline) jsonKeys.add(f.json);
    else for (const k of f.child()!.jsonKeys) jsonKeys.add(k);
  }
  return plan;
}

function fieldPlan(field: DescField): FieldPlan {
  const message = field.fieldKind === "message" || field.fieldKind === "list" || field.fieldKind === "map" ? field.message : undefined;
  const scalar = field.fieldKind === "scalar" || field.fieldKind === "list" || field.fieldKind === "map" ? field.scalar : undefined;
  let child: MessagePlan | undefined;
  return {
    field,
    local: field.localName,
    json: field.jsonName,
    inline: getOption(field, inline),
    explicit: field.presence === FeatureSet_FieldPresence.EXPLICIT,
    scalar,
    wire: wireTypes(field, scalar),
    child: () => (message ? (child ??= planOf(message)) : undefined),
  };
}

function wireTypes(field: DescField, scalar: ScalarType | undefined): WireType[] {
  if (field.fieldKind === "message" || field.fieldKind === "map" || scalar === ScalarType.STRING || scalar === ScalarType.BYTES) return [WireType.LengthDelimited];
  const single = scalarWire(scalar);
  // A repeated number may come packed (one length-delimited record) or one record per element.
  return field.fieldKind === "list" ? [single, WireType.LengthDelimited] : [single];
}

function scalarWire(scalar: ScalarType | undefined): WireType {
  switch (scalar) {
    case ScalarType.DOUBLE: case ScalarType.FIXED64: case ScalarType.SFIXED64: return WireType.Bit64;
    case ScalarType.FLOAT: case ScalarType.FIXED32: case ScalarType.SFIXED32: return WireType.Bit32;
    default: return WireType.Varint;
  }
}
