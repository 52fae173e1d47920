import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { DownwardApiError, downwardApiPayload, fieldPathValue, formatMap, goQuote, resourceValue } from "./downward-api.js";

const NODE = { cpu: "4", memory: "8Gi", ephemeralStorage: "100Gi" };
const pod: Pod = {
  metadata: { name: "p", namespace: "ns", uid: "u-1", labels: { zeta: "z", alpha: 'say "hi"\n' }, annotations: { "k8s.io/a": "1" } },
  spec: {
    containers: [
      { name: "main", resources: { limits: { cpu: "1250m", memory: "64Mi" }, requests: { cpu: "250m", memory: "32Mi", "ephemeral-storage": "1Gi" } } },
      { name: "bare" },
    ],
  },
};
const text = (m: Map<string, { data: Uint8Array }>, k: string) => Buffer.from(m.get(k)!.data).toString("utf8");

test("goQuote quotes as Go's %q: quotes, backslashes, control characters, printable Unicode kept", () => {
  const cases: Array<{ in: string; out: string }> = [
    { in: "plain", out: '"plain"' },
    { in: 'a"b\\c', out: '"a\\"b\\\\c"' },
    { in: "l1\nl2\t\r", out: '"l1\\nl2\\t\\r"' },
    { in: "\x00\x7f", out: '"\\x00\\x7f"' },
    { in: "héllo ✓ 日本", out: '"héllo ✓ 日本"' },
    { in: "zero\u200bwidth", out: '"zero\\u200bwidth"' },
  ];
  for (const c of cases) assert.equal(goQuote(c.in), c.out, JSON.stringify(c.in));
});

test("formatMap writes key=%q lines sorted by key, without a final newline", () => {
  assert.equal(formatMap({ b: "2", a: "1" }), 'a="1"\nb="2"');
  assert.equal(formatMap(undefined), "");
});

test("fieldPathValue reads name, namespace, uid, labels, annotations and one label or annotation", () => {
  assert.equal(fieldPathValue(pod, "metadata.name"), "p");
  assert.equal(fieldPathValue(pod, "metadata.namespace"), "ns");
  assert.equal(fieldPathValue(pod, "metadata.uid"), "u-1");
  assert.equal(fieldPathValue(pod, "metadata.labels"), 'alpha="say \\"hi\\"\\n"\nzeta="z"');
  assert.equal(fieldPathValue(pod, "metadata.annotations"), 'k8s.io/a="1"');
  assert.equal(fieldPathValue(pod, "metadata.labels['zeta']"), "z");
  assert.equal(fieldPathValue(pod, "metadata.annotations['k8s.io/a']"), "1");
  assert.equal(fieldPathValue(pod, "metadata.labels['missing']"), "");
  assert.throws(() => fieldPathValue(pod, "spec.nodeName"), /unsupported fieldPath: spec.nodeName/);
});

test("resourceValue divides by the divisor rounding up; a missing limit is the node's allocatable", () => {
  const cases: Array<{ container: string; resource: string; divisor?: string; want: string }> = [
    { container: "main", resource: "limits.cpu", divisor: "1m", want: "1250" },
    { container: "main", resource: "limits.cpu", want: "2" },
    { container: "main", resource: "requests.cpu", divisor: "1m", want: "250" },
    { container: "main", resource: "limits.memory", divisor: "1Mi", want: "64" },
    { container: "main", resource: "requests.memory", divisor: "1Mi", want: "32" },
    { container: "main", resource: "requests.memory", want: String(32 * 1024 * 1024) },
    { container: "main", resource: "requests.ephemeral-storage", divisor: "1Mi", want: "1024" },
    { container: "main", resource: "limits.memory", divisor: "1m", want: String(64 * 1024 * 1024) },
    { container: "bare", resource: "limits.cpu", divisor: "1m", want: "4000" },
    { container: "bare", resource: "limits.memory", divisor: "1Gi", want: "8" },
    { container: "bare", resource: "limits.ephemeral-storage", divisor: "1Gi", want: "100" },
    { container: "bare", resource: "requests.cpu", divisor: "1m", want: "0" },
    { container: "main", resource: "limits.cpu", divisor: "0", want: "2" },
  ];
  for (const c of cases) assert.equal(resourceValue(pod, { containerName: c.container, resource: c.resource, divisor: c.divisor }, NODE), c.want, `${c.container} ${c.resource} / ${c.divisor}`);
  assert.throws(() => resourceValue(pod, { containerName: "nope", resource: "limits.cpu" }, NODE), /container nope not found/);
});

test("downwardApiPayload gives each item its mode or the default, and reports every bad item together", () => {
  const m = downwardApiPayload(pod, [
    { path: "podname", fieldRef: { fieldPath: "metadata.name" } },
    { path: "info/labels", fieldRef: { fieldPath: "metadata.labels" }, mode: 0o400 },
    { path: "cpu", resourceFieldRef: { containerName: "main", resource: "limits.cpu", divisor: "1m" } },
  ], 0o640, NODE);
  assert.equal(text(m, "podname"), "p");
  assert.equal(m.get("podname")!.mode, 0o640);
  assert.equal(m.get("info/labels")!.mode, 0o400);
  assert.equal(text(m, "cpu"), "1250");
  assert.throws(
    () => downwardApiPayload(pod, [{ path: "a", fieldRef: { fieldPath: "spec.x" } }, { path: "b", fieldRef: { fieldPath: "status.y" } }], 0o644, NODE),
    (e: unknown) => e instanceof DownwardApiError && e.message === "[unsupported fieldPath: spec.x, unsupported fieldPath: status.y]",
  );
});
