import assert from "node:assert/strict";
import { test } from "node:test";
import { validatePodSpec, validatePodSpecUpdate } from "./pod.js";

const spec = () => ({
  containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"], ports: [{ containerPort: 80, protocol: "TCP" }] }],
  restartPolicy: "Always",
  activeDeadlineSeconds: 30,
  tolerations: [{ key: "a", operator: "Exists" }],
});

test("a pod update may change images, activeDeadlineSeconds and tolerations, in any key order", () => {
  const next = spec();
  next.containers[0]!.image = "busybox:1.36";
  next.activeDeadlineSeconds = 10;
  next.tolerations.push({ key: "b", operator: "Exists" });
  assert.deepEqual(validatePodSpecUpdate(next, spec(), "spec"), []);
  const reordered = { restartPolicy: "Always", containers: [{ ports: [{ protocol: "TCP", containerPort: 80 }], command: ["sleep", "3600"], image: "x", name: "c" }] };
  assert.deepEqual(validatePodSpecUpdate(reordered, spec(), "spec"), []);
});

test("a pod update that changes anything else, at any depth, is Forbidden", () => {
  const changes: Array<(s: ReturnType<typeof spec>) => void> = [
    (s) => (s.restartPolicy = "Never"),
    (s) => (s.containers[0]!.command = ["sleep", "1"]),
    (s) => (s.containers[0]!.ports[0]!.containerPort = 81),
    (s) => s.containers.push({ name: "d", image: "busybox", command: [], ports: [] }),
  ];
  for (const change of changes) {
    const next = spec();
    change(next);
    const errs = validatePodSpecUpdate(next, spec(), "spec");
    assert.equal(errs.length, 1, JSON.stringify(next));
    assert.equal(errs[0]!.type, "Forbidden");
    assert.match(errs[0]!.detail!, /^pod updates may not change fields other than `spec.containers\[\*\].image`/);
  }
});

test("validatePodSpec refuses an absolute or backstepping subPath/subPathExpr, and both at once, with upstream's fields", () => {
  const withMounts = (volumeMounts: Array<Record<string, string>>) => ({ containers: [{ name: "c", image: "busybox", volumeMounts }], volumes: [{ name: "v", emptyDir: {} }] });
  const errs = validatePodSpec(withMounts([
    { name: "v", mountPath: "/a", subPath: "/abs" },
    { name: "v", mountPath: "/b", subPathExpr: "x/../y" },
    { name: "v", mountPath: "/c", subPath: "s", subPathExpr: "$(E)" },
    { name: "v", mountPath: "/d", subPath: "fine/..name", subPathExpr: "" },
  ]), "spec");
  assert.deepEqual(errs.map((e) => [e.field, e.value, e.detail]), [
    ["spec.containers[0].volumeMounts.subPath", "/abs", "must be a relative path"],
    ["spec.containers[0].volumeMounts.subPathExpr", "x/../y", "must not contain '..'"],
    ["spec.containers[0].volumeMounts[2].subPathExpr", "$(E)", "subPathExpr and subPath are mutually exclusive"],
  ]);
});
