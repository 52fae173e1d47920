import { describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import { ContainerConfigError, containerArgv, containerEnv, expand } from "./container-env.js";

const pod: Pod = {
  metadata: { name: "web-1", namespace: "prod", uid: "u-1", labels: { app: "web" } },
  spec: { nodeName: "n1", serviceAccountName: "default", containers: [] },
};
const addr = { podIP: "10.88.1.5", hostIP: "192.0.2.2", nodeCpu: "4", nodeMemory: "8Gi" };
const sources = {
  configMap: (n: string) => (n === "cfg" ? { mode: "fast", level: "3" } : undefined),
  secret: (n: string) => (n === "creds" ? { password: "s3cret" } : undefined),
};

describe("expand", () => {
  const cases: Array<[string, string, string]> = [
    ["a reference", "hi $(NAME)", "hi web"],
    ["an unknown reference stays", "$(NOPE) x", "$(NOPE) x"],
    ["$$ escapes", "$$(NAME)", "$(NAME)"],
    ["no reference", "plain", "plain"],
  ];
  for (const [name, input, want] of cases) test(name, () => assert.equal(expand(input, { NAME: "web" }), want));
});

describe("containerEnv", () => {
  test("downward API fields, resources, refs to earlier vars, envFrom with prefix, image env below", () => {
    const c: Container = {
      name: "c",
      resources: { limits: { memory: "64Mi" } },
      envFrom: [{ configMapRef: { name: "cfg" }, prefix: "CFG_" }],
      env: [
        { name: "POD", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
        { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
        { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
        { name: "PASS", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } },
        { name: "GREETING", value: "hi $(POD) in $(NS)" },
      ],
    };
    const env = containerEnv(pod, c, { PATH: "/bin", PORT: "80" }, sources, addr);
    assert.deepEqual(env, {
      HOSTNAME: "web-1", PATH: "/bin", PORT: "80", CFG_mode: "fast", CFG_level: "3", POD: "web-1", NS: "prod", IP: "10.88.1.5",
      NODE: "n1", APP: "web", MEM: "64", CPU: "4", PASS: "s3cret", GREETING: "hi web-1 in prod",
    });
  });

  const failures: Array<[string, Container, string]> = [
    ["missing configmap", { name: "c", envFrom: [{ configMapRef: { name: "nope" } }] }, `configmap "nope" not found`],
    ["missing key", { name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cfg", key: "nokey" } } }] }, "couldn't find key nokey in ConfigMap prod/cfg"],
    ["missing secret", { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "gone", key: "k" } } }] }, `secret "gone" not found`],
  ];
  for (const [name, c, message] of failures) {
    test(`${name} is a CreateContainerConfigError: ${message}`, () => {
      assert.throws(() => containerEnv(pod, c, {}, sources, addr), (err: unknown) => err instanceof ContainerConfigError && err.message === message);
    });
  }

  test("the service env fills in what the container doesn't set, over the image's env, and $(VAR) sees it", () => {
    const c: Container = { name: "c", env: [{ name: "DB", value: "$(DB_SERVICE_HOST):$(DB_SERVICE_PORT)" }, { name: "DB_SERVICE_PORT", value: "mine" }] };
    const env = containerEnv(pod, c, { DB_SERVICE_HOST: "from-image", PATH: "/bin" }, { ...sources, serviceEnv: { DB_SERVICE_HOST: "10.0.0.7", DB_SERVICE_PORT: "5432" } }, addr);
    assert.deepEqual([env.DB, env.DB_SERVICE_HOST, env.DB_SERVICE_PORT, env.PATH], ["10.0.0.7:5432", "10.0.0.7", "mine", "/bin"]);
  });

  test("optional references that do not resolve are skipped", () => {
    const c: Container = { name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "nope", key: "k", optional: true } } }] };
    assert.equal(containerEnv(pod, c, {}, sources, addr).X, undefined);
  });
});

describe("containerArgv", () => {
  const image = { entrypoint: ["/entry"], cmd: ["--default"] };
  const cases: Array<[string, Partial<Container>, string[]]> = [
    ["image defaults", {}, ["/entry", "--default"]],
    ["args replace cmd", { args: ["--x=$(A)"] }, ["/entry", "--x=1"]],
    ["command replaces both", { command: ["sh", "-c"], args: ["echo $(A)"] }, ["sh", "-c", "echo 1"]],
    ["command alone drops cmd", { command: ["sleep", "5"] }, ["sleep", "5"]],
  ];
  for (const [name, c, want] of cases) test(name, () => assert.deepEqual(containerArgv({ name: "c", ...c }, image, { A: "1" }), want));
});
