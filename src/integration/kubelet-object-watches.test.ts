import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ApiServer } from "../apiserver/server.js";
import { CONFIGMAPS, NAMESPACES, SECRETS } from "../client/resources.js";
import { RestClient } from "../client/rest.js";
import { ObjectWatches } from "../node/kubelet/object-watches.js";
import { MemoryStore } from "../store/memory.js";
import { eventually } from "./cluster.js";

describe("ObjectWatches: the kubelet watches each object its pods name, and only those", () => {
  let server: ApiServer;
  let client: RestClient;
  let watches: ObjectWatches;
  const changed: string[][] = [];
  before(async () => {
    server = new ApiServer({ store: new MemoryStore(), log: () => {} });
    client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
    await client.create(NAMESPACES, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } });
    for (const ns of ["default", "other"]) {
      for (const name of ["cm", "unused"]) await client.create(CONFIGMAPS, ns, { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data: { k: "1" } });
    }
    watches = new ObjectWatches(client, (uids) => void changed.push(uids.sort()));
  });
  after(async () => {
    watches.stop();
    client.close();
    await server.close();
  });

  const touch = (ns: string, name: string, v: string) => client.patch(CONFIGMAPS, ns, name, "merge", { data: { k: v } });
  const settle = async (marker: string) => {
    // A change the test waits for: every event before it has been delivered by then.
    await touch("default", "cm", marker);
    await eventually(`the change to ${marker}`, async () => changed.length > 0);
    return changed.splice(0);
  };

  test("a change to a named object requeues the pods naming it; same name elsewhere and unnamed objects don't", async () => {
    watches.track("pod-a", [{ kind: "configmap", namespace: "default", name: "cm" }]);
    watches.track("pod-b", [{ kind: "configmap", namespace: "default", name: "cm" }, { kind: "secret", namespace: "default", name: "later" }]);
    assert.equal(watches.size, 2);
    await eventually("the first change seen", async () => {
      await touch("default", "cm", String(Date.now()));
      return changed.length > 0;
    });
    changed.splice(0);
    await touch("other", "cm", "2");
    await touch("default", "unused", "2");
    assert.deepEqual(await settle("3"), [["pod-a", "pod-b"]]);
    // An object that did not exist when it was first named: its creation is a change.
    await client.create(SECRETS, "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "later" }, data: { k: "MQ==" } });
    await eventually("the secret's creation seen", async () => changed.some((u) => u.length === 1 && u[0] === "pod-b"));
    changed.splice(0);
  });

  test("forgetting the last pod naming an object stops its watch", async () => {
    watches.track("pod-a", []);
    assert.equal(watches.size, 2);
    assert.deepEqual(await settle("4"), [["pod-b"]]);
    watches.forget("pod-b");
    assert.equal(watches.size, 0);
    await touch("default", "cm", "5");
    watches.track("pod-c", [{ kind: "configmap", namespace: "other", name: "cm" }]);
    await eventually("the new watch's first change", async () => {
      await touch("other", "cm", String(Date.now()));
      return changed.length > 0;
    });
    assert.ok(changed.every((u) => u.length === 1 && u[0] === "pod-c"), JSON.stringify(changed));
  });
});
