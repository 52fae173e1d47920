import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { isNotFound, type StatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { MemoryStore } from "../../store/memory.js";
import { builtinResources } from "../kinds/index.js";
import { deleteObject } from "./delete.js";
import { RestStore } from "./rest.js";

const resources = builtinResources({ notReadyTolerationSeconds: 300, unreachableTolerationSeconds: 300 });
const info = (plural: string) => resources.find((r) => r.plural === plural && r.group === "")!;
const clock = { now: () => Date.parse("2026-01-01T00:00:00Z") };

/** A RestStore whose first `races` removals find the object changed by someone else just before. */
function racing(plural: string, races: number) {
  const store = new MemoryStore();
  const rest = new RestStore(info(plural), store, clock);
  const remove = store.delete.bind(store);
  store.delete = async (key, expectedRevision) => {
    if (races-- > 0) {
      const name = key.split("/").pop()!;
      await rest.guaranteedUpdate("default", name, {}, (obj) => ({ ...obj, metadata: { ...obj.metadata, labels: { touched: String(races) } } }));
    }
    return remove(key, expectedRevision);
  };
  return rest;
}

const configMap: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" }, data: { a: "1" } };
const runningPod: KubeObject = {
  apiVersion: "v1", kind: "Pod", metadata: { name: "p" },
  spec: { nodeName: "n1", terminationGracePeriodSeconds: 0, containers: [{ name: "c", image: "nginx" }] },
};

describe("deleteObject", () => {
  test("deleteObject removes an object written to between its read and its removal (no 409 without preconditions)", async () => {
    const rest = racing("configmaps", 3);
    await rest.create("default", configMap);
    await deleteObject(rest, "default", "cm", {}, clock);
    await assert.rejects(rest.get("default", "cm"), (err: unknown) => isNotFound(err));
  });

  test("deleteObject removes a pod with grace 0 while its node agent writes its status", async () => {
    const rest = racing("pods", 2);
    await rest.create("default", runningPod);
    await deleteObject(rest, "default", "p", { gracePeriodSeconds: 0 }, clock);
    await assert.rejects(rest.get("default", "p"), (err: unknown) => isNotFound(err));
  });

  test("deleteObject still fails with 409 when a resourceVersion precondition no longer holds", async () => {
    const rest = racing("configmaps", 0);
    const created = await rest.create("default", configMap);
    await rest.guaranteedUpdate("default", "cm", {}, (obj) => ({ ...obj, data: { a: "2" } }));
    await assert.rejects(deleteObject(rest, "default", "cm", { preconditions: { resourceVersion: created.metadata.resourceVersion } }, clock),
      (err: StatusError) => err.code === 409 && /Precondition failed/.test(err.message));
  });
});
