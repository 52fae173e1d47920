import { test } from "node:test";
import assert from "node:assert/strict";
import { toBinary } from "@bufbuild/protobuf";
import { MicroTimeSchema, TimeSchema } from "./gen/k8s.io/apimachinery/pkg/apis/meta/v1/types_pb.js";
import { IntOrStringSchema } from "./gen/k8s.io/apimachinery/pkg/util/intstr/types_pb.js";
import { messageFromJson } from "./from-json.js";
import { planOf } from "./plan.js";
import { readKubeJson } from "./read.js";

const through = (schema: Parameters<typeof planOf>[0], json: unknown) => readKubeJson(planOf(schema), toBinary(schema, messageFromJson(planOf(schema), json, "x") as never));

test("shapeToJson writes metav1.MicroTime with microseconds and metav1.Time with seconds", () => {
  assert.equal(through(MicroTimeSchema, "2026-12-07T21:00:00.123456Z"), "2026-12-07T21:00:00.123456Z");
  assert.equal(through(MicroTimeSchema, "2026-12-07T21:00:00Z"), "2026-12-07T21:00:00.000000Z");
  assert.equal(through(TimeSchema, "2026-12-07T21:00:00Z"), "2026-12-07T21:00:00Z");
  assert.equal(through(TimeSchema, "1970-01-01T00:00:00Z"), "1970-01-01T00:00:00Z", "seconds 0 is written and read back");
  assert.equal(readKubeJson(planOf(TimeSchema), new Uint8Array()), undefined, "the empty message is Go's zero time");
});

test("shapeToJson reads IntOrString by its type: 0 and absent are the int, 1 the string", () => {
  assert.equal(through(IntOrStringSchema, 0), 0);
  assert.equal(through(IntOrStringSchema, 8080), 8080);
  assert.equal(through(IntOrStringSchema, ""), "");
  assert.equal(through(IntOrStringSchema, "http"), "http");
});
