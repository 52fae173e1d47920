import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import type { KubeObject } from "../../api/types.js";
import { CONFIGMAPS, PODS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { raw, runToEnd, SERVICEACCOUNTS, shPod, type Pod } from "../core-kit.js";
import { content, expectOutput, readVolumes } from "../volume-kit.js";

/** Upstream's auth/service_accounts.go: the token volume, automount opt-out, projected tokens, issuer discovery. */

const TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const TOKEN_REVIEWS = { group: "authentication.k8s.io", version: "v1", resource: "tokenreviews", namespaced: false };

type Review = KubeObject & { status: { authenticated?: boolean; user?: { username?: string }; error?: string } };

async function reviewToken(ctx: ConformanceContext, token: string): Promise<Review> {
  return ctx.client.create<Review>(TOKEN_REVIEWS, undefined, { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", metadata: {}, spec: { token } } as KubeObject);
}

async function requestToken(ctx: ConformanceContext, account: string, spec: Record<string, unknown> = {}): Promise<string> {
  const res = await raw(ctx, "POST", `/api/v1/namespaces/${ctx.namespace}/serviceaccounts/${account}/token`, {
    body: JSON.stringify({ apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec }), headers: { "Content-Type": "application/json" },
  });
  assert.equal(res.status, 201, `TokenRequest for ${account}: ${res.text}`);
  return (JSON.parse(res.text) as { status: { token: string } }).status.token;
}

const hasTokenMount = (pod: Pod) => ((pod.spec as { containers: Array<{ volumeMounts?: Array<{ mountPath: string }> }> }).containers[0]!.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_DIR);

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-auth] ServiceAccounts should mount an API token into pods [Conformance]",
    async run(ctx) {
      await ctx.client.create(SERVICEACCOUNTS, ctx.namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "mount-test" } });
      const files = ["token", "ca.crt", "namespace"].map((f) => `${TOKEN_DIR}/${f}`);
      const { pod, logs } = await runToEnd(ctx, shPod("pod-service-account-mount", files.map((f) => `echo "content of file \\"${f}\\": $(cat ${f})"`).join("; "), {
        spec: { serviceAccountName: "mount-test" },
      }), 60_000);
      assert.equal(pod.status?.phase, "Succeeded", logs);
      const ca = (await ctx.client.get<KubeObject & { data: Record<string, string> }>(CONFIGMAPS, ctx.namespace, "kube-root-ca.crt")).data["ca.crt"]!;
      expectOutput(logs, [content(files[2]!, ctx.namespace)]);
      assert.ok(logs.includes(content(files[1]!, ca.trimEnd().split("\n")[0]!)), `ca.crt is kube-root-ca.crt's:\n${logs}`);
      const token = /content of file ".*\/token": (\S+)/.exec(logs)?.[1];
      assert.ok(token, `the pod printed its token:\n${logs}`);
      const review = await reviewToken(ctx, token);
      assert.equal(review.status.authenticated, true, review.status.error);
      assert.equal(review.status.user?.username, `system:serviceaccount:${ctx.namespace}:mount-test`);
    },
  },
  {
    codename: "[sig-auth] ServiceAccounts should allow opting out of API token automount [Conformance]",
    async run(ctx) {
      await ctx.client.create(SERVICEACCOUNTS, ctx.namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "mount" }, automountServiceAccountToken: true } as KubeObject);
      await ctx.client.create(SERVICEACCOUNTS, ctx.namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "nomount" }, automountServiceAccountToken: false } as KubeObject);
      const table: Array<[string, string, boolean | undefined, boolean]> = [
        ["defaultsa", "default", undefined, true], ["mountsa", "mount", undefined, true], ["nomountsa", "nomount", undefined, false],
        // The pod's choice wins, opting in or out.
        ["defaultsa-mountspec", "default", true, true], ["mountsa-mountspec", "mount", true, true], ["nomountsa-mountspec", "nomount", true, true],
        ["defaultsa-nomountspec", "default", false, false], ["mountsa-nomountspec", "mount", false, false], ["nomountsa-nomountspec", "nomount", false, false],
      ];
      for (const [name, account, automount, expect] of table) {
        const spec: Record<string, unknown> = { serviceAccountName: account, ...(automount === undefined ? {} : { automountServiceAccountToken: automount }) };
        const pod = await ctx.client.create<Pod>(PODS, ctx.namespace, shPod(`pod-service-account-${name}`, "sleep 1", { spec }));
        assert.equal(hasTokenMount(pod), expect, `pod-service-account-${name}: token volume mounted`);
      }
    },
  },
  {
    codename: "[sig-auth] ServiceAccounts should mount projected service account token [Conformance]",
    async run(ctx) {
      const logs = await readVolumes(ctx, "test-pod-projected-token", {
        volumes: [{ name: "test-volume", projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }] } }],
        mounts: [{ name: "test-volume", mountPath: "/test-volume", readOnly: true }],
        files: ["/test-volume/token"],
      });
      assert.match(logs, /content of file "\/test-volume\/token": [A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.?[A-Za-z0-9-_.+/=]*/);
    },
  },
  {
    codename: "[sig-auth] ServiceAccounts ServiceAccountIssuerDiscovery should support OIDC discovery of service account issuer [Conformance]",
    async run(ctx) {
      // Upstream's agnhost test-service-account-issuer-discovery, from here: the discovery documents fetched
      // with a service account's token, and that token verified with the published keys.
      const audience = "oidc-discovery-test";
      const token = await requestToken(ctx, "default", { audiences: [audience] });
      const accountToken = await requestToken(ctx, "default");
      const get = async (path: string) => {
        const res = await raw(ctx, "GET", path, { headers: { Authorization: `Bearer ${accountToken}` } });
        assert.equal(res.status, 200, `${path}: ${res.text}`);
        return JSON.parse(res.text) as Record<string, unknown>;
      };
      const config = await get("/.well-known/openid-configuration");
      assert.ok(String(config.jwks_uri).endsWith("/openid/v1/jwks"));
      const jwks = await get("/openid/v1/jwks") as unknown as JSONWebKeySet;
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: String(config.issuer), audience });
      assert.equal(payload.sub, `system:serviceaccount:${ctx.namespace}:default`);
    },
  },
];
