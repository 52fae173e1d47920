import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StatusError } from "../../api/errors.js";
import type { SchemaMap } from "./document.js";
import { StructuralDecoder } from "./structural.js";

const schemas: SchemaMap = {
  "test.Thing": {
    type: "object",
    properties: {
      spec: { type: "object", properties: { replicas: { type: "integer" } } },
      status: { type: "object", properties: { phase: { type: "string" } } },
    },
  },
};
const decoder = new StructuralDecoder(schemas);
const decode = (obj: Record<string, unknown>, stored?: Record<string, unknown>) => decoder.decode(obj, "test.Thing", "Thing", "v1", stored);

describe("StructuralDecoder", () => {
  test("wrong types are a 400 naming the Go field; unknown fields are pruned and reported; nulls dropped", () => {
    assert.throws(() => decode({ spec: { replicas: "3" } }), (err) => err instanceof StatusError && err.code === 400 && /Go struct field Thing.spec.replicas of type int32/.test(err.message));
    const obj = { spec: { replicas: 3, extra: 1 }, status: null };
    assert.deepEqual(decode(obj).unknown, ["spec.extra"]);
    assert.deepEqual(obj, { spec: { replicas: 3 } });
  });

  test("top-level values shared with the stored object are not walked again; the others are", () => {
    // The stored spec can't hold an unknown field; one planted there shows the walk skipped it.
    const stored = { spec: { replicas: 1, planted: true }, status: { phase: "Pending" } };
    const patched = { ...stored, status: { phase: "Running", bogus: 1 } };
    assert.deepEqual(decode(patched, stored).unknown, ["status.bogus"]);
    assert.deepEqual(decode({ ...stored, spec: { ...stored.spec } }, stored).unknown, ["spec.planted"]);
  });
});
