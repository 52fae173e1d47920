import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { startTestServer } from "../testing.js";

// @kubernetes/client-node (a devDependency) applying server-side, as a controller or script would.
describe("KubernetesObjectApi.patch with the apply content type", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  let api: k8s.KubernetesObjectApi;
  before(async () => {
    t = await startTestServer();
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "tug", server: t.base, skipTLSVerify: true }], users: [{ name: "u" }],
      contexts: [{ name: "tug", cluster: "tug", user: "u" }], currentContext: "tug",
    });
    api = k8s.KubernetesObjectApi.makeApiClient(kc);
  });
  after(async () => {
    await t.close();
  });

  const configMap = (data: Record<string, string>): k8s.V1ConfigMap => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "default" }, data });

  test("KubernetesObjectApi.patch creates, changes and conflicts as upstream", async () => {
    const created = await api.patch(configMap({ a: "1" }), undefined, undefined, "script", false, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual(created.data, { a: "1" });
    assert.deepEqual(created.metadata?.managedFields?.map((m) => [m.manager, m.operation]), [["script", "Apply"]]);
    const changed = await api.patch(configMap({ b: "2" }), undefined, undefined, "script", false, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual(changed.data, { b: "2" }, "a key no longer applied is removed");
    await assert.rejects(api.patch(configMap({ b: "3" }), undefined, undefined, "other", false, k8s.PatchStrategy.ServerSideApply), (err: { code?: number; body?: string }) => {
      assert.equal(err.code, 409);
      assert.match(String(err.body), /conflict with \\"script\\": .data.b/);
      return true;
    });
    const forced = await api.patch(configMap({ b: "3" }), undefined, undefined, "other", true, k8s.PatchStrategy.ServerSideApply);
    assert.deepEqual(forced.data, { b: "3" });
  });
});
