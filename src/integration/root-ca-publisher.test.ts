import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "../api/types.js";
import { CONFIGMAPS, NAMESPACES } from "../client/resources.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

const CA = "-----BEGIN CERTIFICATE-----\nMIIBroot\n-----END CERTIFICATE-----\n";
type ConfigMap = KubeObject & { data?: Record<string, string> };

describe("root-CA publisher in the controller manager", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ rootCA: CA });
  });
  after(async () => {
    await c.stop();
  });

  const rootCA = (ns: string) => c.client.get<ConfigMap>(CONFIGMAPS, ns, "kube-root-ca.crt").catch(() => undefined);

  test("every namespace gets kube-root-ca.crt; deleted, it comes back; changed, it is put back", async () => {
    await c.client.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-a" } });
    const first = await eventually("kube-root-ca.crt in team-a", () => rootCA("team-a"));
    assert.deepEqual(first.data, { "ca.crt": CA });
    assert.match(first.metadata.annotations?.["kubernetes.io/description"] ?? "", /^Contains a CA bundle that can be used to verify the kube-apiserver/);
    assert.ok(await eventually("kube-root-ca.crt in default", () => rootCA("default")));

    await c.client.delete(CONFIGMAPS, "team-a", "kube-root-ca.crt");
    const again = await eventually("kube-root-ca.crt recreated", async () => {
      const cm = await rootCA("team-a");
      return cm && cm.metadata.uid !== first.metadata.uid ? cm : undefined;
    });
    assert.deepEqual(again.data, { "ca.crt": CA });

    await c.client.patch(CONFIGMAPS, "team-a", "kube-root-ca.crt", "merge", { data: { "ca.crt": "changed", extra: "x" } });
    await eventually("kube-root-ca.crt reconciled", async () => {
      const cm = await rootCA("team-a");
      return cm?.data?.["ca.crt"] === CA && cm.data.extra === undefined;
    });
  });
});
