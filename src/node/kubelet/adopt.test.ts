import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ContainerStatus, Sandbox } from "../runtime/runtime.js";
import { adoptPod, orphanedPods } from "./adopt.js";

const sandbox = (id: string, uid: string, createdAt: number, name = "web"): Sandbox => ({
  id, ip: "10.244.1.5", sharesHostNetwork: false, createdAt,
  config: { uid, namespace: "default", name, hostname: name, hostNetwork: false },
});

const container = (id: string, sandboxId: string, name: string, attempt: number, state: ContainerStatus["state"]): ContainerStatus => ({
  id, sandboxId, name, attempt, state, createdAt: 1000 + attempt, startedAt: 1000 + attempt, logPath: `/logs/${name}/${attempt}.log`,
  image: { ref: "web:1", id: "sha256:1", size: 0, entrypoint: [], cmd: [], env: {} },
});

describe("adoptPod", () => {
  it("takes the pod's newest sandbox, and per container its newest instance and the one before", () => {
    const sandboxes = [sandbox("old", "u1", 1), sandbox("new", "u1", 2), sandbox("other", "u2", 3)];
    const containers = [
      container("web-0", "new", "web", 0, "exited"), container("web-2", "new", "web", 2, "running"), container("web-1", "new", "web", 1, "exited"),
      container("init-0", "new", "init", 0, "exited"), container("stale", "old", "web", 5, "exited"), container("theirs", "other", "web", 0, "running"),
    ];
    const adopted = adoptPod("u1", sandboxes, containers)!;
    assert.equal(adopted.sandbox.id, "new");
    assert.deepEqual([...adopted.containers].map(([name, a]) => [name, a.current.id, a.last?.id]), [["web", "web-2", "web-1"], ["init", "init-0", undefined]]);
  });

  it("adopts nothing for a pod the runtime has no sandbox of", () => {
    assert.equal(adoptPod("u3", [sandbox("s", "u1", 1)], []), undefined);
  });

  it("adopts a sandbox whose containers are all gone with no containers", () => {
    assert.deepEqual(adoptPod("u1", [sandbox("s", "u1", 1)], [])?.containers, new Map());
  });
});

describe("orphanedPods", () => {
  it("names each pod with sandboxes that is no longer bound to the node once", () => {
    const sandboxes = [sandbox("a", "u1", 1, "kept"), sandbox("b", "u2", 2, "gone"), sandbox("c", "u2", 3, "gone")];
    assert.deepEqual(orphanedPods(sandboxes, new Set(["u1"])), [{ uid: "u2", namespace: "default", name: "gone" }]);
    assert.deepEqual(orphanedPods(sandboxes, new Set(["u1", "u2"])), []);
  });
});
