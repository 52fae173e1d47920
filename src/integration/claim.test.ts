import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { selectorFromLabelSelector } from "../api/labels.js";
import { isConflict } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { ApiServer } from "../apiserver/server.js";
import { PODS, REPLICASETS } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { claimChildren } from "../controllers/kit/claim.js";
import { MemoryStore } from "../store/memory.js";

describe("claimChildren against the real API server", () => {
  let server: ApiServer;
  let client: RestClient;
  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
  });
  after(async () => {
    client.close();
    await server.close();
  });

  test("claimChildren: an adoption that conflicts (the orphan changed since the cache saw it) fails the claim, to be retried", async () => {
    const selector = { matchLabels: { app: "claim" } };
    const rs = await client.create(REPLICASETS, "default", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "claim" },
      spec: { replicas: 0, selector, template: { metadata: { labels: { app: "claim" } }, spec: { containers: [{ name: "c", image: "demo" }] } } } } as KubeObject);
    const stale = await client.create(PODS, "default", { apiVersion: "v1", kind: "Pod", metadata: { name: "claim-orphan", labels: { app: "claim" } }, spec: { containers: [{ name: "c", image: "demo" }] } });
    // A node agent reports status meanwhile: the cached copy is now behind.
    await client.patch(PODS, "default", "claim-orphan", "merge", { status: { phase: "Running" } }, "status");
    const owner = { object: rs, apiVersion: "apps/v1", kind: "ReplicaSet", resource: REPLICASETS, selector: selectorFromLabelSelector(selector) };
    await assert.rejects(claimChildren(client, owner, PODS, [stale]), (err: unknown) => isConflict(err));
    const fresh = await client.get(PODS, "default", "claim-orphan");
    assert.deepEqual(await claimChildren(client, owner, PODS, [fresh]).then((mine) => mine.map((p) => p.metadata.name)), ["claim-orphan"], "the retry adopts it");
  });
});
