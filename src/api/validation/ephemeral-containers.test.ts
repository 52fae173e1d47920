import assert from "node:assert/strict";
import { test } from "node:test";
import { fieldErrorMessage } from "../field-errors.js";
import { validateEphemeralContainers, validateEphemeralContainersUpdate, validateNoEphemeralContainersOnCreate } from "./ephemeral-containers.js";

type Json = Record<string, unknown>;
const spec = (...ephemeral: Json[]): Json => ({
  initContainers: [{ name: "init", image: "busybox" }],
  containers: [{ name: "app", image: "busybox" }],
  ephemeralContainers: ephemeral,
});
const messages = (errs: ReturnType<typeof validateEphemeralContainers>) => errs.map(fieldErrorMessage);

test("validateEphemeralContainers accepts what kubectl debug sends (empty resources, stdin, a target)", () => {
  const dbg = { name: "dbg", image: "busybox", command: ["sh"], resources: {}, terminationMessagePolicy: "File", stdin: true, targetContainerName: "app" };
  assert.deepEqual(validateEphemeralContainers(spec(dbg), "spec"), []);
});

test("validateEphemeralContainers: a name is unique among init, regular and ephemeral containers", () => {
  assert.deepEqual(messages(validateEphemeralContainers(spec({ name: "app", image: "busybox" }, { name: "init", image: "busybox" }, { name: "d", image: "b" }, { name: "d", image: "b" }), "spec")), [
    'spec.ephemeralContainers[0].name: Duplicate value: "app"',
    'spec.ephemeralContainers[1].name: Duplicate value: "init"',
    'spec.ephemeralContainers[3].name: Duplicate value: "d"',
  ]);
});

test("validateEphemeralContainers: targetContainerName must name a regular or init container", () => {
  assert.deepEqual(messages(validateEphemeralContainers(spec({ name: "a", image: "b", targetContainerName: "ghost" }, { name: "c", image: "b", targetContainerName: "a" }), "spec")), [
    'spec.ephemeralContainers[0].targetContainerName: Not found: "ghost"',
    'spec.ephemeralContainers[1].targetContainerName: Not found: "a"',
  ]);
  assert.deepEqual(validateEphemeralContainers(spec({ name: "a", image: "b", targetContainerName: "init" }), "spec"), []);
});

test("validateEphemeralContainers: ports, resources, probes, lifecycle and subPaths cannot be set", () => {
  const errs = validateEphemeralContainers(spec({
    name: "a", image: "b", ports: [{ containerPort: 80 }], resources: { limits: { cpu: "1" } }, livenessProbe: { exec: { command: ["true"] } },
    readinessProbe: { tcpSocket: { port: 80 } }, startupProbe: { exec: { command: ["true"] } }, lifecycle: { preStop: { exec: { command: ["true"] } } },
    volumeMounts: [{ name: "v", mountPath: "/v", subPath: "x" }],
  }), "spec");
  assert.deepEqual(messages(errs), [
    "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container",
    "spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container",
    "spec.ephemeralContainers[0].livenessProbe: Forbidden: cannot be set for an Ephemeral Container",
    "spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container",
    "spec.ephemeralContainers[0].startupProbe: Forbidden: cannot be set for an Ephemeral Container",
    "spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container",
    "spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container",
  ]);
  assert.ok(errs.every((e) => e.type === "Forbidden"));
});

test("validateEphemeralContainers: each is a valid container (name, image)", () => {
  assert.deepEqual(messages(validateEphemeralContainers(spec({ name: "Bad_Name", image: "b" }, { name: "ok" }), "spec")).map((m) => m.split(":")[0] + ":" + m.split(":")[1]), [
    "spec.ephemeralContainers[0].name: Invalid value",
    "spec.ephemeralContainers[1].image: Required value",
  ]);
});

test("validateEphemeralContainersUpdate: containers may be added, never removed or changed", () => {
  const dbg = { name: "dbg", image: "busybox", command: ["sh"] };
  const old = spec(dbg);
  assert.deepEqual(validateEphemeralContainersUpdate(spec({ command: ["sh"], image: "busybox", name: "dbg" }, { name: "two", image: "busybox" }), old, undefined), []);
  assert.deepEqual(messages(validateEphemeralContainersUpdate(spec(), old, undefined)), [
    'spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed\n',
  ]);
  const [changed] = messages(validateEphemeralContainersUpdate(spec({ ...dbg, image: "nginx" }), old, undefined));
  assert.match(changed!, /^spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed\n {2}image: "busybox" -> "nginx"$/);
});

test("validateEphemeralContainersUpdate: a static (mirror) pod takes none", () => {
  assert.deepEqual(messages(validateEphemeralContainersUpdate(spec({ name: "d", image: "b" }), spec(), { "kubernetes.io/config.mirror": "x" })), [
    ": Forbidden: static pods do not support ephemeral containers",
  ]);
});

test("validateNoEphemeralContainersOnCreate: a new pod carries none", () => {
  assert.deepEqual(messages(validateNoEphemeralContainersOnCreate(spec({ name: "d", image: "b" }))), ["spec.ephemeralContainers: Forbidden: cannot be set on create"]);
  assert.deepEqual(validateNoEphemeralContainersOnCreate(spec()), []);
});
