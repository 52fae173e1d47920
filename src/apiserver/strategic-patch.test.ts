import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "./testing.js";

// Upstream's conformance "StatefulSet list, patch and delete" and "ReplicaSet Replace and Patch" patch in a
// container with a strategic merge patch and read it back as containers[0].
const STS = "/apis/apps/v1/namespaces/default/statefulsets";
const SMP = { "Content-Type": "application/strategic-merge-patch+json" };

describe("strategic merge patch through the API", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  test("applyStrategicMergePatch puts a patched-in container at containers[0], as the conformance test reads it", async () => {
    const created = await t.call("POST", STS, {
      apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "ss" },
      spec: { serviceName: "test", selector: { matchLabels: { app: "ss" } }, template: { metadata: { labels: { app: "ss" } }, spec: { containers: [{ name: "webserver", image: "httpd" }] } } },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const patch = { metadata: { labels: { "test-ss": "patched" } }, spec: { replicas: 2, template: { spec: { TerminationGracePeriodSeconds: 1, containers: [{ name: "ss", image: "pause" }] } } } };
    const r = await t.call("PATCH", `${STS}/ss`, patch, SMP);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const containers = ((r.body.spec as { template: { spec: { containers: Array<{ name: string; image: string }> } } }).template.spec.containers);
    assert.deepEqual(containers.map((c) => [c.name, c.image]), [["ss", "pause"], ["webserver", "httpd"]]);
  });

  test("applyStrategicMergePatch errors are a 400, never a 500", async () => {
    const r = await t.call("PATCH", `${STS}/ss`, { spec: { template: { spec: { containers: [{ image: "x" }] } } } }, SMP);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(String(r.body.message), /does not contain declared merge key: name/);
  });
});
