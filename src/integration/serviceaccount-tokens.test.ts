import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateServiceAccountKey } from "../apiserver/auth/serviceaccount/index.js";
import { SECRETS, SERVICEACCOUNTS } from "../client/resources.js";
import type { KubeObject } from "../api/types.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

type Secret = KubeObject & { data?: Record<string, string> };
const CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("service account tokens controller in the controller manager", () => {
  let c: TestCluster;
  before(async () => {
    c = await startTestCluster({ serviceAccountKey: await generateServiceAccountKey(), rootCA: CA });
    await c.client.create(SERVICEACCOUNTS, "default", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "build" } });
  });
  after(async () => {
    await c.stop();
  });

  const secret = (name: string) => c.client.get<Secret>(SECRETS, "default", name).catch(() => undefined);

  test("a kubernetes.io/service-account-token Secret gets a legacy token that authenticates as the account, the namespace and ca.crt", async () => {
    await c.client.create(SECRETS, "default", {
      apiVersion: "v1", kind: "Secret", type: "kubernetes.io/service-account-token",
      metadata: { name: "build-token", annotations: { "kubernetes.io/service-account.name": "build" } },
    });
    const filled = await eventually("build-token filled", async () => {
      const s = await secret("build-token");
      return s?.data?.token ? s : undefined;
    });
    const sa = await c.client.get(SERVICEACCOUNTS, "default", "build");
    assert.equal(Buffer.from(filled.data!.namespace!, "base64").toString(), "default");
    assert.equal(Buffer.from(filled.data!["ca.crt"]!, "base64").toString(), CA);
    assert.equal(filled.metadata.annotations?.["kubernetes.io/service-account.uid"], sa.metadata.uid);
    const token = Buffer.from(filled.data!.token!, "base64").toString();
    const review = await c.client.create<KubeObject & { status: { authenticated?: boolean; user: { username: string } } }>(
      { group: "authentication.k8s.io", version: "v1", resource: "tokenreviews", namespaced: false }, undefined,
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", metadata: {}, spec: { token } } as KubeObject,
    );
    assert.equal(review.status.authenticated, true);
    assert.equal(review.status.user.username, "system:serviceaccount:default:build");
  });

  test("a token Secret for a missing account is deleted, and so are an account's token Secrets when it goes", async () => {
    await c.client.create(SECRETS, "default", {
      apiVersion: "v1", kind: "Secret", type: "kubernetes.io/service-account-token",
      metadata: { name: "orphan-token", annotations: { "kubernetes.io/service-account.name": "nobody" } },
    });
    await eventually("orphan-token deleted", async () => (await secret("orphan-token")) === undefined);
    await eventually("build-token exists", () => secret("build-token"));
    await c.client.delete(SERVICEACCOUNTS, "default", "build");
    await eventually("build-token deleted with its account", async () => (await secret("build-token")) === undefined);
  });

  test("no token Secret is created for an account on its own (as upstream since 1.24)", async () => {
    await c.client.create(SERVICEACCOUNTS, "default", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "quiet" } });
    const list = await c.client.list<Secret>(SECRETS, "default");
    assert.deepEqual(list.items.filter((s) => s.type === "kubernetes.io/service-account-token").map((s) => s.metadata.name), []);
  });
});
