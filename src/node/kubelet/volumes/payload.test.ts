import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { configMapOrSecretPayload, fsUserOf, objectPayload, projectedPayload, type VolumeSources } from "./payload.js";

const b = (s: string) => Buffer.from(s);
const sources: VolumeSources = {
  configMap: (n) => (n === "cm" ? { a: b("1"), bin: Uint8Array.from([0xde, 0xca]) } : undefined),
  secret: (n) => (n === "s" ? { token: b("secret") } : undefined),
  token: (t) => (t.audience === "bad" ? { error: 'failed to fetch token: serviceaccounts "default" not found' } : { token: "jwt" }),
  node: { cpu: "2", memory: "4Gi", ephemeralStorage: "10Gi" },
};
const pod = (extra: Partial<Pod["spec"]> = {}): Pod => ({ metadata: { name: "p", labels: { a: "b" } }, spec: { containers: [{ name: "c" }], ...extra } });
const text = (v: { data: Uint8Array } | undefined) => (v ? Buffer.from(v.data).toString() : undefined);

test("objectPayload: every key at its name without items; items pick keys, paths and modes; a missing key fails unless optional", () => {
  const all = objectPayload("configmap", { a: b("1"), c: b("2") }, undefined, 0o400, false);
  assert.deepEqual([...all.keys()], ["a", "c"]);
  assert.equal(all.get("a")!.mode, 0o400);
  const some = objectPayload("configmap", { a: b("1") }, [{ key: "a", path: "x/y", mode: 0o600 }], 0o644, false);
  assert.equal(some.get("x/y")!.mode, 0o600);
  assert.throws(() => objectPayload("configmap", {}, [{ key: "k", path: "k" }], 0o644, false), /^Error: configmap references non-existent config key: k$/);
  assert.throws(() => objectPayload("secret", {}, [{ key: "k", path: "k" }], 0o644, false), /^Error: references non-existent secret key: k$/);
  assert.equal(objectPayload("secret", {}, [{ key: "k", path: "k" }], 0o644, true).size, 0);
});

test("configMapOrSecretPayload: a missing object fails with upstream's message unless optional", () => {
  assert.throws(() => configMapOrSecretPayload("configmap", "nope", sources, {}), /configmap "nope" not found/);
  assert.throws(() => configMapOrSecretPayload("secret", "nope", sources, {}), /secret "nope" not found/);
  assert.equal(configMapOrSecretPayload("secret", "nope", sources, { optional: true }).size, 0);
  assert.deepEqual([...configMapOrSecretPayload("configmap", "cm", sources, {}).get("bin")!.data], [0xde, 0xca]);
});

test("projectedPayload merges its sources under the projection's defaultMode and reports every failing source", () => {
  const m = projectedPayload(pod(), {
    defaultMode: 0o440,
    sources: [
      { configMap: { name: "cm", items: [{ key: "a", path: "cm/a" }] } },
      { secret: { name: "s" } },
      { downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
      { serviceAccountToken: { path: "token-file" } },
      { configMap: { name: "nope", optional: true } },
    ],
  }, sources);
  assert.deepEqual([...m.keys()].sort(), ["cm/a", "labels", "token", "token-file"]);
  assert.equal(text(m.get("labels")), 'a="b"');
  assert.equal(text(m.get("token-file")), "jwt");
  assert.ok([...m.values()].every((f) => f.mode === 0o440));
  assert.throws(
    () => projectedPayload(pod(), { sources: [{ configMap: { name: "nope" } }, { serviceAccountToken: { path: "t", audience: "bad" } }] }, sources),
    (e: unknown) => e instanceof Error && e.message === '[configmap "nope" not found, failed to fetch token: serviceaccounts "default" not found]',
  );
});

test("projectedPayload gives a token 0600 and the containers' common uid when there is an owner", () => {
  const owned = projectedPayload(pod({ securityContext: { runAsUser: 1000 } }), { sources: [{ serviceAccountToken: { path: "t" } }] }, sources).get("t")!;
  assert.equal(owned.mode, 0o600);
  assert.equal(owned.fsUser, 1000);
  const grouped = projectedPayload(pod({ securityContext: { fsGroup: 5 } }), { sources: [{ serviceAccountToken: { path: "t" } }] }, sources).get("t")!;
  assert.deepEqual([grouped.mode, grouped.fsUser], [0o600, undefined]);
  assert.equal(projectedPayload(pod(), { sources: [{ serviceAccountToken: { path: "t" } }] }, sources).get("t")!.mode, 0o644);
});

test("fsUserOf: the one uid every container runs as, else undefined", () => {
  assert.equal(fsUserOf(pod({ securityContext: { runAsUser: 7 } })), 7);
  assert.equal(fsUserOf(pod({ securityContext: { runAsUser: 7 }, containers: [{ name: "a" }, { name: "b", securityContext: { runAsUser: 8 } }] })), undefined);
  assert.equal(fsUserOf(pod({ containers: [{ name: "a", securityContext: { runAsUser: 9 } }, { name: "b", securityContext: { runAsUser: 9 } }] })), 9);
  assert.equal(fsUserOf(pod()), undefined);
});
