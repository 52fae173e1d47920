import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { applyStrategicMergePatch } from "../patch/strategic-merge.js";
import { listSemanticsOf } from "./merge-meta.js";
import type { MergeType } from "./merge-type.js";
import { builtinTypes } from "./testing.js";

/** The merge type at a dotted path below a kind (`spec.template.spec.containers[].ports`). */
function at(definition: string, path: string): MergeType {
  let t = builtinTypes().of(definition);
  for (const part of path.split(".")) {
    const name = part.replace(/\[\]$/, "");
    const next = t.field(name);
    assert.ok(next, `${definition} has no ${path}`);
    t = part.endsWith("[]") ? next.element() : next;
  }
  return t;
}

// The lists two hand-kept tables once disagreed on, now read from upstream's published 1.32 OpenAPI.
const cases: Array<{ name: string; definition: string; path: string; listType: string; keys?: string[]; patchMergeKey?: string }> = [
  { name: "container ports are keyed by containerPort and protocol, merged by containerPort", definition: "io.k8s.api.apps.v1.Deployment", path: "spec.template.spec.containers[].ports", listType: "map", keys: ["containerPort", "protocol"], patchMergeKey: "containerPort" },
  { name: "init container ports are keyed alike", definition: "io.k8s.api.core.v1.Pod", path: "spec.initContainers[].ports", listType: "map", keys: ["containerPort", "protocol"], patchMergeKey: "containerPort" },
  { name: "service ports are keyed by port and protocol, merged by port", definition: "io.k8s.api.core.v1.Service", path: "spec.ports", listType: "map", keys: ["port", "protocol"], patchMergeKey: "port" },
  { name: "a node's addresses merge by type", definition: "io.k8s.api.core.v1.Node", path: "status.addresses", listType: "map", keys: ["type"], patchMergeKey: "type" },
  { name: "a pod's podIPs merge by ip", definition: "io.k8s.api.core.v1.Pod", path: "status.podIPs", listType: "map", keys: ["ip"], patchMergeKey: "ip" },
  { name: "a pod's hostIPs are atomic for apply, merged by ip for a strategic merge patch", definition: "io.k8s.api.core.v1.Pod", path: "status.hostIPs", listType: "atomic", patchMergeKey: "ip" },
  { name: "a Deployment's containers merge by name", definition: "io.k8s.api.apps.v1.Deployment", path: "spec.template.spec.containers", listType: "map", keys: ["name"], patchMergeKey: "name" },
  { name: "topology spread constraints are keyed by topologyKey and whenUnsatisfiable", definition: "io.k8s.api.core.v1.Pod", path: "spec.topologySpreadConstraints", listType: "map", keys: ["topologyKey", "whenUnsatisfiable"], patchMergeKey: "topologyKey" },
  { name: "finalizers are a set", definition: "io.k8s.api.core.v1.Pod", path: "metadata.finalizers", listType: "set" },
  { name: "a node's taints are atomic", definition: "io.k8s.api.core.v1.Node", path: "spec.taints", listType: "atomic" },
];
for (const c of cases) {
  test(`MergeTypes: ${c.name}`, () => {
    const s = at(c.definition, c.path).list;
    assert.equal(s?.listType, c.listType);
    assert.deepEqual(s?.keys, c.keys);
    assert.equal(s?.patchMergeKey, c.patchMergeKey);
  });
}

test("listSemanticsOf: a list with only strategic-merge markers is a list-map by its merge key, or a set", () => {
  assert.deepEqual(listSemanticsOf({ type: "array", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name" }), { listType: "map", keys: ["name"], patchStrategy: "merge", patchMergeKey: "name" });
  assert.deepEqual(listSemanticsOf({ type: "array", "x-kubernetes-patch-strategy": "merge" }), { listType: "set", patchStrategy: "merge" });
  assert.equal(listSemanticsOf({ type: "array" }), undefined);
});

test("MergeTypes: a node's taints are replaced whole by a strategic merge patch", () => {
  const node = builtinTypes().of("io.k8s.api.core.v1.Node");
  const patched = applyStrategicMergePatch({ spec: { taints: [{ key: "a", effect: "NoSchedule" }] } }, { spec: { taints: [{ key: "b", effect: "NoSchedule" }] } }, node);
  assert.deepEqual(patched, { spec: { taints: [{ key: "b", effect: "NoSchedule" }] } });
});

test("MergeTypes: strategic merge patch merges status.addresses, podIPs and hostIPs through the published schema", () => {
  const node = builtinTypes().of("io.k8s.api.core.v1.Node");
  const merged = applyStrategicMergePatch({ status: { addresses: [{ type: "InternalIP", address: "10.0.0.1" }] } }, { status: { addresses: [{ type: "Hostname", address: "n1" }] } }, node);
  assert.deepEqual(merged, { status: { addresses: [{ type: "Hostname", address: "n1" }, { type: "InternalIP", address: "10.0.0.1" }] } });
  const pod = builtinTypes().of("io.k8s.api.core.v1.Pod");
  const ips = applyStrategicMergePatch({ status: { podIPs: [{ ip: "10.0.0.2" }] } }, { status: { podIPs: [{ ip: "fd00::2" }] } }, pod);
  assert.deepEqual(ips, { status: { podIPs: [{ ip: "fd00::2" }, { ip: "10.0.0.2" }] } });
  const hosts = applyStrategicMergePatch({ status: { hostIPs: [{ ip: "10.0.0.1" }] } }, { status: { hostIPs: [{ ip: "fd00::1" }] } }, pod);
  assert.deepEqual(hosts, { status: { hostIPs: [{ ip: "fd00::1" }, { ip: "10.0.0.1" }] } });
});

test("MergeTypes: the schema carries the list-map keys, patch strategy and atomic markers", () => {
  const deploy = builtinTypes().of("io.k8s.api.apps.v1.Deployment");
  const spec = deploy.field("spec")!;
  assert.equal(spec.field("selector")!.atomic, true);
  const containers = spec.field("template")!.field("spec")!.field("containers")!;
  assert.deepEqual(containers.list, { listType: "map", keys: ["name"], patchStrategy: "merge", patchMergeKey: "name" });
  assert.equal(spec.field("template")!.field("spec")!.field("nodeSelector")!.atomic, true);
  assert.equal(spec.field("template")!.field("spec")!.field("tolerations")!.list?.listType, "atomic");
});

type Schema = Record<string, unknown>;
/** Upstream's published 1.32 OpenAPI (v2 spelling), as vendored in openapi/. */
const published = (JSON.parse(gunzipSync(readFileSync(new URL("../../../../openapi/kubernetes-1.32.swagger.json.gz", import.meta.url))).toString("utf8")) as { definitions: Record<string, Schema> }).definitions;

/** Where the merge type `t` disagrees with the published schema `s` (a property, with its own markers) at `path`. */
function disagreements(t: MergeType, s: Schema, path: string, seen: Set<string>): string[] {
  const ref = (s.$ref as string | undefined)?.replace("#/definitions/", "");
  const def = ref ? published[ref]! : s;
  if (ref && seen.has(ref)) return [];
  const below = ref ? new Set([...seen, ref]) : seen;
  const out: string[] = [];
  if (def.type === "array") {
    const want = { listType: s["x-kubernetes-list-type"] ?? "atomic", keys: s["x-kubernetes-list-map-keys"], patchStrategy: s["x-kubernetes-patch-strategy"], patchMergeKey: s["x-kubernetes-patch-merge-key"] };
    const got = { listType: t.list?.listType, keys: t.list?.keys, patchStrategy: t.list?.patchStrategy, patchMergeKey: t.list?.patchMergeKey };
    if (t.kind !== "list" || JSON.stringify(got) !== JSON.stringify(want)) out.push(`${path}: ${t.kind} ${JSON.stringify(got)}, published ${JSON.stringify(want)}`);
    else out.push(...disagreements(t.element(), def.items as Schema, `${path}[]`, below));
  } else if (def.properties) {
    const atomic = s["x-kubernetes-map-type"] === "atomic" || def["x-kubernetes-map-type"] === "atomic";
    if (t.kind !== "struct" || t.atomic !== atomic) out.push(`${path}: ${t.kind}${t.atomic ? " atomic" : ""}, published struct${atomic ? " atomic" : ""}`);
    else for (const [name, p] of Object.entries(def.properties as Record<string, Schema>)) out.push(...disagreements(t.field(name)!, p, `${path}.${name}`, below));
  } else if (def.additionalProperties) {
    const atomic = s["x-kubernetes-map-type"] === "atomic";
    if (t.kind !== "map" || t.atomic !== atomic) out.push(`${path}: ${t.kind}${t.atomic ? " atomic" : ""}, published map${atomic ? " atomic" : ""}`);
    else out.push(...disagreements(t.field("any")!, def.additionalProperties as Schema, `${path}{}`, below));
  }
  return out;
}

test("MergeTypes: every list, struct and map of every published 1.32 kind merges as the published OpenAPI says", () => {
  const kinds = Object.keys(published).filter((name) => published[name]!["x-kubernetes-group-version-kind"]);
  assert.ok(kinds.length > 50, `${kinds.length} kinds`);
  for (const name of kinds) assert.deepEqual(disagreements(builtinTypes().of(name), { $ref: `#/definitions/${name}` }, name, new Set()), []);
});
