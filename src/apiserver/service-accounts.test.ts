import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DEFAULT_API_TOKEN_MOUNT_PATH, mountServiceAccountToken, tokenVolumeSource } from "./service-accounts.js";
import { DEFAULT_ISSUER, generateServiceAccountKey } from "./auth/serviceaccount/index.js";
import { startTestServer } from "./testing.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("mountServiceAccountToken", () => {
  test("mountServiceAccountToken adds upstream's projected volume and a read-only mount to every container and init container", () => {
    const spec: Json = { initContainers: [{ name: "i" }], containers: [{ name: "a" }, { name: "b", volumeMounts: [{ name: "data", mountPath: "/data" }] }], volumes: [{ name: "data", emptyDir: {} }] };
    mountServiceAccountToken(spec, () => "kube-api-access-xyz12");
    const mount = { name: "kube-api-access-xyz12", readOnly: true, mountPath: "/var/run/secrets/kubernetes.io/serviceaccount" };
    assert.deepEqual(spec.initContainers[0].volumeMounts, [mount]);
    assert.deepEqual(spec.containers[0].volumeMounts, [mount]);
    assert.deepEqual(spec.containers[1].volumeMounts, [{ name: "data", mountPath: "/data" }, mount]);
    assert.deepEqual(spec.volumes[1], {
      name: "kube-api-access-xyz12",
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ],
      },
    });
  });

  test("mountServiceAccountToken leaves a container with its own mount at the path alone, and adds no volume when none needs it", () => {
    const own = { name: "mine", mountPath: DEFAULT_API_TOKEN_MOUNT_PATH };
    const spec: Json = { containers: [{ name: "a", volumeMounts: [own] }], volumes: [{ name: "mine", secret: { secretName: "s" } }] };
    mountServiceAccountToken(spec, () => "kube-api-access-xyz12");
    assert.deepEqual(spec.containers[0].volumeMounts, [own]);
    assert.equal(spec.volumes.length, 1);
  });

  test("mountServiceAccountToken reuses a kube-api-access volume the pod already has", () => {
    const spec: Json = { containers: [{ name: "a" }], volumes: [{ name: "kube-api-access-abcde", projected: tokenVolumeSource() }] };
    mountServiceAccountToken(spec, () => "kube-api-access-other");
    assert.equal(spec.containers[0].volumeMounts[0].name, "kube-api-access-abcde");
    assert.equal(spec.volumes.length, 1);
  });
});

describe("serviceAccountAdmission", () => {
  let srv: Awaited<ReturnType<typeof startTestServer>>;
  const pods = "/api/v1/namespaces/default/pods";
  const create = async (spec: Json, name = "p") => {
    const res = await srv.call("POST", pods, { metadata: { generateName: `${name}-` }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });
    return res;
  };

  before(async () => {
    srv = await startTestServer({ serviceAccounts: { key: await generateServiceAccountKey(), issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] } });
    await srv.call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "quiet" }, automountServiceAccountToken: false });
    await srv.call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "build" } });
  });
  after(() => srv.close());

  test("serviceAccountAdmission runs a pod as default and mounts its token, even before default exists", async () => {
    const res = await create({});
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const spec = (res.body as Json).spec;
    assert.equal(spec.serviceAccountName, "default");
    assert.equal(spec.serviceAccount, "default");
    assert.match(spec.volumes[0].name, /^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(spec.containers[0].volumeMounts, [{ name: spec.volumes[0].name, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }]);
  });

  test("serviceAccountAdmission honours automountServiceAccountToken false on the account, and the pod's choice over it", async () => {
    const quiet = (await create({ serviceAccountName: "quiet" })).body as Json;
    assert.equal(quiet.spec.volumes, undefined);
    assert.equal(quiet.spec.containers[0].volumeMounts, undefined);
    const overridden = (await create({ serviceAccountName: "quiet", automountServiceAccountToken: true })).body as Json;
    assert.equal(overridden.spec.volumes.length, 1);
    const podSaysNo = (await create({ serviceAccountName: "build", automountServiceAccountToken: false })).body as Json;
    assert.equal(podSaysNo.spec.volumes, undefined);
  });

  test("serviceAccountAdmission refuses a pod naming a missing account other than default (403)", async () => {
    const res = await create({ serviceAccountName: "ghost" }, "g");
    assert.equal(res.status, 403);
    assert.equal(res.body.message, 'pods "g-" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  });

  test("serviceAccountAdmission gives a pod without imagePullSecrets its account's, and leaves a pod's own alone", async () => {
    await srv.call("POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "puller" }, imagePullSecrets: [{ name: "regcred" }] });
    assert.deepEqual(((await create({ serviceAccountName: "puller" })).body as Json).spec.imagePullSecrets, [{ name: "regcred" }]);
    assert.deepEqual(((await create({ serviceAccountName: "puller", imagePullSecrets: [{ name: "mine" }] })).body as Json).spec.imagePullSecrets, [{ name: "mine" }]);
    assert.equal(((await create({ serviceAccountName: "build" })).body as Json).spec.imagePullSecrets, undefined);
  });

  test("serviceAccountAdmission takes the deprecated serviceAccount as the name", async () => {
    const body = (await create({ serviceAccount: "build" })).body as Json;
    assert.equal(body.spec.serviceAccountName, "build");
  });

  test("serviceAccountAdmission mounts no token where the server issues none", async () => {
    const plain = await startTestServer();
    try {
      const res = await plain.call("POST", pods, { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox" }] } });
      assert.equal((res.body as Json).spec.serviceAccountName, "default");
      assert.equal((res.body as Json).spec.volumes, undefined);
    } finally {
      await plain.close();
    }
  });

  test("serviceAccountAdmission leaves mirror pods alone", async () => {
    const res = await srv.call("POST", pods, { metadata: { name: "mirror", annotations: { "kubernetes.io/config.mirror": "x" } }, spec: { containers: [{ name: "c", image: "busybox" }] } });
    assert.equal((res.body as Json).spec.volumes, undefined);
  });
});
