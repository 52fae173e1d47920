import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import type { Pod } from "kubernetes-types/core/v1.js";
import { ApiServer } from "../apiserver/server.js";
import { RestClient, type ResourceRef } from "../client/rest.js";
import { containerEnv } from "../node/kubelet/container-env.js";
import { MemoryStore } from "../store/memory.js";

const SECRETS: ResourceRef = { group: "", version: "v1", resource: "secrets", namespaced: true };
const store = new MemoryStore();
const server = new ApiServer({ store, log: () => {} });
let client: RestClient;
before(async () => {
  client = new RestClient({ server: `http://127.0.0.1:${await server.listen(0)}` });
});
after(async () => {
  client.close();
  await server.close();
});

// Issue 20: a pod's secretKeyRef to a key given as stringData was CreateContainerConfigError.
test("containerEnv resolves a secretKeyRef to a key the Secret was created with as stringData", async () => {
  await client.create(SECRETS, "default", { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, stringData: { password: "s3cret" } });
  const stored = await client.get(SECRETS, "default", "creds");
  // As the node agent reads a Secret: its data, base64-decoded.
  const data = Object.fromEntries(Object.entries((stored.data ?? {}) as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
  const pod: Pod = { metadata: { name: "p", namespace: "default" }, spec: { containers: [{ name: "c", env: [{ name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } }] }] } };
  const env = containerEnv(pod, pod.spec!.containers[0]!, {}, { configMap: () => undefined, secret: (n) => (n === "creds" ? data : undefined) }, {
    podIP: "10.0.0.2", hostIP: "10.0.0.1", nodeCpu: "1", nodeMemory: "1Gi",
  });
  assert.equal(env.PASSWORD, "s3cret");
});
