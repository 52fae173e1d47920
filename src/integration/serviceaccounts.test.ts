import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { NAMESPACES, SERVICEACCOUNTS } from "../client/resources.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

describe("ServiceAccounts controller in the controller manager", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => {
    await c.stop();
  });

  const account = (ns: string) => c.client.get(SERVICEACCOUNTS, ns, "default").catch(() => undefined);

  test("every namespace gets a default ServiceAccount, recreated when deleted", async () => {
    assert.ok(await eventually("default/default", () => account("default")));
    await c.client.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "team-b" } });
    const first = await eventually("team-b/default", () => account("team-b"));
    await c.client.delete(SERVICEACCOUNTS, "team-b", "default");
    await eventually("team-b/default recreated", async () => {
      const sa = await account("team-b");
      return sa && sa.metadata.uid !== first.metadata.uid;
    });
  });
});
