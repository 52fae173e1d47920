import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "./testing.js";

const DEPLOYS = "/apis/apps/v1/namespaces/default/deployments";
const APPLY = { "Content-Type": "application/apply-patch+yaml" };
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function deployment(name: string, spec: Json = {}): Json {
  return {
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image: "nginx" }] } },
      ...spec,
    },
  };
}

const managers = (obj: Json) => (obj.metadata.managedFields ?? []).map((m: Json) => `${m.manager}/${m.operation}${m.subresource ? "/" + m.subresource : ""}`);

describe("server-side apply", () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  const t = { call: async (method: string, path: string, body?: unknown, headers?: Record<string, string>) => (await server.call(method, path, body, headers)) as { status: number; body: Json } };
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test("apply creates the object, owned by its manager (201)", async () => {
    const r = await t.call("PATCH", `${DEPLOYS}/created?fieldManager=alice`, deployment("created", { replicas: 2 }), APPLY);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(managers(r.body), ["alice/Apply"]);
    const fields = r.body.metadata.managedFields[0];
    assert.equal(fields.apiVersion, "apps/v1");
    assert.equal(fields.fieldsType, "FieldsV1");
    assert.deepEqual(fields.fieldsV1["f:spec"]["f:replicas"], {});
    assert.deepEqual(Object.keys(fields.fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"]), ['k:{"name":"app"}']);
  });

  test("apply without fieldManager is a 422 naming the field", async () => {
    const r = await t.call("PATCH", `${DEPLOYS}/created`, deployment("created"), APPLY);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.equal(r.body.message, 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });

  test("a no-op apply changes neither resourceVersion nor managedFields", async () => {
    const first = await t.call("PATCH", `${DEPLOYS}/created?fieldManager=alice`, deployment("created", { replicas: 2 }), APPLY);
    const again = await t.call("PATCH", `${DEPLOYS}/created?fieldManager=alice`, deployment("created", { replicas: 2 }), APPLY);
    assert.equal(again.status, 200);
    assert.equal(again.body.metadata.resourceVersion, first.body.metadata.resourceVersion);
    assert.deepEqual(again.body.metadata.managedFields, first.body.metadata.managedFields);
  });

  test("applying a field another manager owns with another value is a 409 with upstream's causes; force takes it", async () => {
    const r = await t.call("PATCH", `${DEPLOYS}/created?fieldManager=bob`, deployment("created", { replicas: 3 }), APPLY);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.reason, "Conflict");
    assert.equal(r.body.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    assert.deepEqual(r.body.details.causes, [{ reason: "FieldManagerConflict", message: 'conflict with "alice"', field: ".spec.replicas" }]);
    const forced = await t.call("PATCH", `${DEPLOYS}/created?fieldManager=bob&force=true`, deployment("created", { replicas: 3 }), APPLY);
    assert.equal(forced.status, 200, JSON.stringify(forced.body));
    assert.equal(forced.body.spec.replicas, 3);
    const alice = forced.body.metadata.managedFields.find((m: Json) => m.manager === "alice");
    assert.equal(alice.fieldsV1["f:spec"]["f:replicas"], undefined);
  });

  test("the same value applied by two managers is shared, not a conflict", async () => {
    const r = await t.call("PATCH", `${DEPLOYS}/created?fieldManager=carol`, deployment("created"), APPLY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(managers(r.body).includes("carol/Apply"));
  });

  test("a field a manager stops applying is removed when no one else owns it", async () => {
    await t.call("PATCH", `${DEPLOYS}/dropping?fieldManager=alice`, deployment("dropping", { minReadySeconds: 5, paused: true }), APPLY);
    const r = await t.call("PATCH", `${DEPLOYS}/dropping?fieldManager=alice`, deployment("dropping", { paused: true }), APPLY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.spec.minReadySeconds, undefined);
    assert.equal(r.body.spec.paused, true);
  });

  test("two managers own different containers of one Deployment (list-map by name)", async () => {
    await t.call("PATCH", `${DEPLOYS}/shared?fieldManager=alice`, deployment("shared"), APPLY);
    const side = deployment("shared");
    side.spec.template.spec.containers = [{ name: "side", image: "busybox" }];
    const r = await t.call("PATCH", `${DEPLOYS}/shared?fieldManager=bob`, side, APPLY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.spec.template.spec.containers.map((c: Json) => c.name), ["app", "side"]);
    // alice stops applying her container: it goes, bob's stays.
    const none = deployment("shared");
    none.spec.template.spec.containers = [];
    const gone = await t.call("PATCH", `${DEPLOYS}/shared?fieldManager=alice`, { ...none, spec: { ...none.spec, template: { ...none.spec.template, spec: { containers: [] } } } }, APPLY);
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.deepEqual(gone.body.spec.template.spec.containers.map((c: Json) => c.name), ["side"]);
  });

  test("create, update and patch record Update managers from fieldManager or the user agent", async () => {
    const created = await t.call("POST", `${DEPLOYS}`, deployment("updated"), { "User-Agent": "kubectl/v1.32.0 (linux/amd64) kubernetes/abc" });
    assert.equal(created.status, 201);
    assert.deepEqual(managers(created.body), ["kubectl/Update"]);
    const patched = await t.call("PATCH", `${DEPLOYS}/updated?fieldManager=scaler`, { spec: { replicas: 4 } }, { "Content-Type": "application/merge-patch+json" });
    assert.deepEqual(managers(patched.body), ["kubectl/Update", "scaler/Update"]);
    const same = await t.call("PATCH", `${DEPLOYS}/updated?fieldManager=other`, { spec: { replicas: 4 } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(same.body.metadata.resourceVersion, patched.body.metadata.resourceVersion);
    assert.deepEqual(managers(same.body), ["kubectl/Update", "scaler/Update"]);
    const status = await t.call("PATCH", `${DEPLOYS}/updated/status?fieldManager=ctl`, { status: { replicas: 1 } }, { "Content-Type": "application/merge-patch+json" });
    assert.ok(managers(status.body).includes("ctl/Update/status"), JSON.stringify(managers(status.body)));
    const scale = await t.call("PATCH", `${DEPLOYS}/updated/scale?fieldManager=hpa`, { spec: { replicas: 6 } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(scale.status, 200);
    const got = await t.call("GET", `${DEPLOYS}/updated`);
    assert.ok(managers(got.body).includes("hpa/Update/scale"), JSON.stringify(managers(got.body)));
    const hpa = got.body.metadata.managedFields.find((m: Json) => m.manager === "hpa");
    assert.deepEqual(hpa.fieldsV1, { "f:spec": { "f:replicas": {} } });
    assert.ok(!managers(got.body).includes("scaler/Update"), "scaler lost its only field");
  });

  test("a dry-run apply answers with the result and writes nothing", async () => {
    const r = await t.call("PATCH", `${DEPLOYS}/dry?fieldManager=alice&dryRun=All`, deployment("dry"), APPLY);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(managers(r.body), ["alice/Apply"]);
    assert.equal((await t.call("GET", `${DEPLOYS}/dry`)).status, 404);
    await t.call("PATCH", `${DEPLOYS}/dry?fieldManager=alice`, deployment("dry", { replicas: 1 }), APPLY);
    const changed = await t.call("PATCH", `${DEPLOYS}/dry?fieldManager=alice&dryRun=All`, deployment("dry", { replicas: 9 }), APPLY);
    assert.equal(changed.body.spec.replicas, 9);
    assert.equal((await t.call("GET", `${DEPLOYS}/dry`)).body.spec.replicas, 1);
  });

  test("apply with fieldValidation=Strict refuses unknown and duplicate fields; Warn warns", async () => {
    const unknown = deployment("strict", { replicaz: 2 });
    const strict = await t.call("PATCH", `${DEPLOYS}/strict?fieldManager=alice&fieldValidation=Strict`, unknown, APPLY);
    assert.equal(strict.status, 400, JSON.stringify(strict.body));
    assert.match(strict.body.message, /strict decoding error: unknown field "spec.replicaz"/);
    const yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: strict\n  name: strict\nspec: {}\n";
    const dup = await t.call("PATCH", `${DEPLOYS}/strict?fieldManager=alice&fieldValidation=Strict`, yaml, APPLY);
    assert.equal(dup.status, 400, JSON.stringify(dup.body));
    assert.match(dup.body.message, /line 5: key "name" already set in map/);
    const res = await fetch(`${server.base}${DEPLOYS}/strict?fieldManager=alice`, { method: "PATCH", headers: APPLY, body: JSON.stringify(unknown) });
    assert.equal(res.status, 201);
    assert.match(res.headers.get("warning") ?? "", /unknown field \\"spec.replicaz\\"/);
  });

  test("apply to the status subresource owns status only, recorded with subresource status", async () => {
    await t.call("PATCH", `${DEPLOYS}/statused?fieldManager=alice`, deployment("statused"), APPLY);
    const r = await t.call("PATCH", `${DEPLOYS}/statused/status?fieldManager=ctl`, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "statused" }, spec: { replicas: 42 }, status: { replicas: 3 } }, APPLY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status.replicas, 3);
    assert.notEqual(r.body.spec.replicas, 42);
    const ctl = r.body.metadata.managedFields.find((m: Json) => m.manager === "ctl");
    assert.equal(ctl.subresource, "status");
    assert.deepEqual(ctl.fieldsV1, { "f:status": { "f:replicas": {} } });
    const missing = await t.call("PATCH", `${DEPLOYS}/nothing/status?fieldManager=ctl`, { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "nothing" }, status: {} }, APPLY);
    assert.equal(missing.status, 404);
  });

  test("apply to the scale subresource sets replicas, owned with subresource scale, conflicting with the replicas' applier", async () => {
    await t.call("PATCH", `${DEPLOYS}/scaled?fieldManager=alice`, deployment("scaled", { replicas: 1 }), APPLY);
    const scale = (replicas: number) => ({ apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "scaled" }, spec: { replicas } });
    const conflict = await t.call("PATCH", `${DEPLOYS}/scaled/scale?fieldManager=hpa`, scale(4), APPLY);
    assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
    assert.equal(conflict.body.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    const r = await t.call("PATCH", `${DEPLOYS}/scaled/scale?fieldManager=hpa&force=true`, scale(4), APPLY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.kind, "Scale");
    assert.equal(r.body.spec.replicas, 4);
    const d = (await t.call("GET", `${DEPLOYS}/scaled`)).body;
    assert.equal(d.spec.replicas, 4);
    const hpa = d.metadata.managedFields.find((m: Json) => m.manager === "hpa");
    assert.deepEqual([hpa.operation, hpa.subresource, hpa.fieldsV1], ["Apply", "scale", { "f:spec": { "f:replicas": {} } }]);
  });

  test("managedFields sent by a client replace the server's; [{}] strips them (kubectl's CSA upgrade relies on it)", async () => {
    const d = (await t.call("GET", `${DEPLOYS}/created`)).body;
    const mine = [{ manager: "migrated", operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } }];
    const r = await t.call("PATCH", `${DEPLOYS}/created`, [{ op: "replace", path: "/metadata/managedFields", value: mine }], { "Content-Type": "application/json-patch+json" });
    assert.deepEqual(r.body.metadata.managedFields, mine);
    assert.notEqual(r.body.metadata.resourceVersion, d.metadata.resourceVersion);
    const stripped = await t.call("PATCH", `${DEPLOYS}/created`, { metadata: { managedFields: [{}] } }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(stripped.body.metadata.managedFields, undefined);
  });

  test("Update managers beyond ten are merged into ancient-changes", async () => {
    await t.call("POST", `${DEPLOYS}`, deployment("busy"), { "User-Agent": "creator/1" });
    for (let i = 0; i < 12; i++) {
      await t.call("PATCH", `${DEPLOYS}/busy?fieldManager=m${i}`, { metadata: { labels: { [`l${i}`]: "x" } } }, { "Content-Type": "application/merge-patch+json" });
    }
    const got = (await t.call("GET", `${DEPLOYS}/busy`)).body;
    const names = managers(got);
    assert.equal(names.length, 10, names.join());
    assert.ok(names.includes("ancient-changes/Update"), names.join());
    assert.ok(names.includes("m11/Update"));
  });

  test("kubectl applying server-side over client-side apply takes the fields its last-applied annotation holds unchanged", async () => {
    const csa = deployment("legacy", { replicas: 2 });
    csa.metadata.annotations = { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(deployment("legacy", { replicas: 2 })) };
    await t.call("POST", `${DEPLOYS}?fieldManager=kubectl-client-side-apply`, csa);
    // Not kubectl: the client-side applier's fields conflict.
    const other = await t.call("PATCH", `${DEPLOYS}/legacy?fieldManager=someone`, deployment("legacy", { replicas: 3 }), APPLY);
    assert.equal(other.status, 409);
    const r = await t.call("PATCH", `${DEPLOYS}/legacy?fieldManager=kubectl`, deployment("legacy", { replicas: 3 }), APPLY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.spec.replicas, 3);
    // A field someone else changed since the client-side apply still conflicts.
    await t.call("PATCH", `${DEPLOYS}/legacy?fieldManager=scaler`, { spec: { minReadySeconds: 7 } }, { "Content-Type": "application/merge-patch+json" });
    const conflict = await t.call("PATCH", `${DEPLOYS}/legacy?fieldManager=kubectl`, deployment("legacy", { replicas: 3, minReadySeconds: 9 }), APPLY);
    assert.equal(conflict.status, 409, JSON.stringify(conflict.body));
    assert.match(conflict.body.message, /conflict with "scaler" using apps\/v1: .spec.minReadySeconds/);
  });

  test("an applied configuration carrying managedFields is a 400", async () => {
    const d = deployment("created");
    d.metadata.managedFields = [{ manager: "x", operation: "Apply", fieldsV1: {} }];
    const r = await t.call("PATCH", `${DEPLOYS}/created?fieldManager=alice`, d, APPLY);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.message, "metadata.managedFields must be nil");
  });

  test("an apply body is YAML: JSON, a YAML flow mapping and block YAML all apply", async () => {
    const flow = "{apiVersion: v1, kind: ConfigMap, metadata: {name: flow}, data: {a: x}}";
    const r = await t.call("PATCH", "/api/v1/namespaces/default/configmaps/flow?fieldManager=alice", flow, APPLY);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.data, { a: "x" });
    const block = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: block\ndata:\n  b: '1'\n";
    assert.equal((await t.call("PATCH", "/api/v1/namespaces/default/configmaps/block?fieldManager=alice", block, APPLY)).status, 201);
  });

  // Upstream's ServerSideApply e2e cases (test/e2e/apimachinery/apply.go), restated.
  test("a field one owner stops applying stays while another owner still applies it", async () => {
    const shared = deployment("shared-unset", { replicas: 3 });
    shared.spec.template.spec.hostname = "test-hostname";
    for (const m of ["owner1", "owner2"]) assert.equal((await t.call("PATCH", `${DEPLOYS}/shared-unset?fieldManager=${m}`, shared, APPLY)).status < 300, true);
    const r = await t.call("PATCH", `${DEPLOYS}/shared-unset?fieldManager=owner1`, deployment("shared-unset"), APPLY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.spec.replicas, 3);
    assert.equal(r.body.spec.template.spec.hostname, "test-hostname");
  });

  test("apply reaches status only through the status subresource (a pod's conditions merge by type)", async () => {
    const PODS = "/api/v1/namespaces/default/pods";
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "test-pod" }, spec: { containers: [{ name: "nginx", image: "nginx" }] } };
    assert.equal((await t.call("PATCH", `${PODS}/test-pod?fieldManager=apply_test`, pod, APPLY)).status, 201);
    const status = { apiVersion: "v1", kind: "Pod", metadata: { name: "test-pod" }, status: { conditions: [{ type: "MyStatus", status: "True" }] } };
    await t.call("PATCH", `${PODS}/test-pod?fieldManager=apply_test2`, status, APPLY);
    const before = (await t.call("GET", `${PODS}/test-pod`)).body;
    assert.ok(!(before.status?.conditions ?? []).some((c: Json) => c.type === "MyStatus"));
    const r = await t.call("PATCH", `${PODS}/test-pod/status?fieldManager=apply_test2`, status, APPLY);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.body.status.conditions.some((c: Json) => c.type === "MyStatus"));
  });

  test("force on a patch that is not an apply is a 422", async () => {
    const r = await t.call("PATCH", `${DEPLOYS}/created?force=true`, { spec: {} }, { "Content-Type": "application/merge-patch+json" });
    assert.equal(r.status, 422);
    assert.equal(r.body.message, 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });
});
