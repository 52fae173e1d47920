import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LineCounter, parseDocument } from "yaml";
import { countJsonKeys, jsonDuplicateFields, yamlDuplicateKeys } from "./duplicate-fields.js";

describe("countJsonKeys", () => {
  const cases = [
    { name: "flat and nested objects", text: '{"a": 1, "b": {"c": [ {"d": null}, 2 ]}}', keys: 4 },
    { name: "colons and escaped quotes inside strings", text: '{"t": "2026-01-01T00:00:00Z", "q": "a\\":b", "e\\\\": "\\\\"}', keys: 3 },
    { name: "a repeated key counts twice", text: '{"replicas": 2, "replicas": 3}', keys: 2 },
    { name: "no object at all", text: '["a:b", 1]', keys: 0 },
  ];
  for (const c of cases) {
    test(c.name, () => assert.equal(countJsonKeys(c.text), c.keys));
  }
});

describe("jsonDuplicateFields", () => {
  test("names each repeated key by its path, at the repeat, and where every path first appears", () => {
    const text = '{"metadata": {"name": "a", "labels": {"x": "1", "x": "2"}}, "spec": {"unknownField": "foo", "replicas": 2, "replicas": 3,\n "template": {"spec": {"containers": [{"name": "c"}, {"name": "d", "name": "e"}]}}}}';
    const found = jsonDuplicateFields(text);
    assert.deepEqual(found.findings.map((f) => f.message), [
      'duplicate field "metadata.labels.x"', 'duplicate field "spec.replicas"', 'duplicate field "spec.template.spec.containers[1].name"',
    ]);
    assert.equal(found.findings[1]!.at, text.lastIndexOf('"replicas"'));
    assert.equal(found.offsetOf("spec.unknownField"), text.indexOf('"unknownField"'));
    assert.ok(found.offsetOf("spec.unknownField")! < found.findings[1]!.at);
  });

  test("keys with escapes are compared by their value", () => {
    assert.deepEqual(jsonDuplicateFields('{"a\\u0062": 1, "ab": 2, "s": "x\\"}"}').findings.map((f) => f.message), ['duplicate field "ab"']);
  });
});

describe("yamlDuplicateKeys", () => {
  test("reports every repeated key with its line, in one go-yaml error", () => {
    const text = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 2\n  replicas: 3\n  template:\n    metadata:\n      labels: {a: b, a: c}\n";
    const lines = new LineCounter();
    const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
    assert.deepEqual(yamlDuplicateKeys(doc, lines).findings, [
      { message: 'yaml: unmarshal errors:\n  line 5: key "replicas" already set in map\n  line 8: key "a" already set in map', at: -1 },
    ]);
  });

  test("finds nothing in a document without repeats", () => {
    const lines = new LineCounter();
    assert.deepEqual(yamlDuplicateKeys(parseDocument("a: 1\nb: {c: 2}\n", { lineCounter: lines }), lines).findings, []);
  });
});
