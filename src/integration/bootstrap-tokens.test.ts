import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { bootstrapTokenSecret } from "../api/bootstrap-token.js";
import { SECRETS } from "../client/resources.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

describe("TokenCleaner in the controller manager", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster();
  });
  after(async () => c.stop());

  test("TokenCleaner deletes expired bootstrap token Secrets, keeps valid ones and other Secrets", async () => {
    const now = Date.now();
    await c.client.create(SECRETS, "kube-system", bootstrapTokenSecret({ id: "aaaaaa", secret: "0123456789abcdef" }, { expiresAt: new Date(now - 1000) }));
    await c.client.create(SECRETS, "kube-system", bootstrapTokenSecret({ id: "bbbbbb", secret: "0123456789abcdef" }, { expiresAt: new Date(now + 3600_000) }));
    await c.client.create(SECRETS, "kube-system", bootstrapTokenSecret({ id: "cccccc", secret: "0123456789abcdef" }, { expiresAt: new Date(now + 1500) }));
    await c.client.create(SECRETS, "kube-system", { metadata: { name: "bootstrap-token-dddddd" }, type: "Opaque", stringData: { expiration: "2000-01-01T00:00:00Z" } });
    const names = async () => (await c.client.list(SECRETS, "kube-system")).items.map((s) => s.metadata.name).sort();
    await eventually("the expired token gone", async () => !(await names()).includes("bootstrap-token-aaaaaa"));
    await eventually("the token that expires meanwhile gone", async () => !(await names()).includes("bootstrap-token-cccccc"));
    assert.deepEqual((await names()).filter((n) => n?.startsWith("bootstrap-token-")), ["bootstrap-token-bbbbbb", "bootstrap-token-dddddd"]);
  });
});
