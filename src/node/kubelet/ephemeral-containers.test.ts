import { test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { ephemeralToStart, ranBefore } from "./ephemeral-containers.js";

const pod: Pod = {
  metadata: { name: "p", namespace: "default", uid: "u" },
  spec: {
    containers: [{ name: "c", image: "busybox" }],
    ephemeralContainers: [{ name: "a", image: "busybox", targetContainerName: "c" }, { name: "b", image: "busybox" }, { name: "d", image: "busybox" }],
  },
  status: { ephemeralContainerStatuses: [
    { name: "a", image: "busybox", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0 } } },
    { name: "b", image: "busybox", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
  ] },
};

test("ephemeralToStart: each ephemeral container that never had an instance, as a Container (no targetContainerName)", () => {
  assert.deepEqual(ephemeralToStart(pod.spec!, (name) => name === "b"), [{ name: "a", image: "busybox" }, { name: "d", image: "busybox" }]);
  assert.deepEqual(ephemeralToStart({ containers: [] }, () => false), []);
});

test("ranBefore: the ephemeral containers the API shows running or terminated (an agent restart never runs them again)", () => {
  assert.deepEqual([...ranBefore(pod)], ["a"]);
});
