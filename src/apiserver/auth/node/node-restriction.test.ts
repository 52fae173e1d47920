import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_ISSUER, generateServiceAccountKey } from "../serviceaccount/index.js";
import { startTestServer } from "../../testing.js";

describe("a node agent's requests under Node,RBAC: what its pods use, its own Node and pods", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  const admin = { Authorization: "Bearer admin" };
  const n1 = { Authorization: "Bearer node-1" };
  const NS = "/api/v1/namespaces/default";
  before(async () => {
    const key = await generateServiceAccountKey();
    t = await startTestServer({
      token: "admin", authorizationModes: ["Node", "RBAC"], serviceAccounts: { key, issuer: DEFAULT_ISSUER, audiences: [DEFAULT_ISSUER] },
      tokenFile: new Map([["node-1", { name: "system:node:n1", groups: ["system:nodes"] }]]),
    });
    for (const name of ["tls", "other"]) assert.equal((await t.call("POST", `${NS}/secrets`, { metadata: { name }, data: {} }, admin)).status, 201);
    assert.equal((await t.call("POST", `${NS}/serviceaccounts`, { metadata: { name: "web" } }, admin)).status, 201);
    for (const [name, node] of [["mine", "n1"], ["theirs", "n2"]]) {
      const r = await t.call("POST", `${NS}/pods`, { metadata: { name }, spec: { nodeName: node, serviceAccountName: "web", automountServiceAccountToken: false,
        volumes: [{ name: "s", secret: { secretName: node === "n1" ? "tls" : "other" } }], containers: [{ name: "c", image: "i" }] } }, admin);
      assert.equal(r.status, 201, JSON.stringify(r.body));
    }
  });
  after(() => t.close());

  test("Secrets: the one its pod uses, by name or watched by name; not another, not a list", async () => {
    assert.equal((await t.call("GET", `${NS}/secrets/tls`, undefined, n1)).status, 200);
    const other = await t.call("GET", `${NS}/secrets/other`, undefined, n1);
    assert.equal(other.status, 403);
    assert.match(String(other.body.message), /secrets "other" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'n1' and this object/);
    assert.equal((await t.call("GET", `${NS}/secrets`, undefined, n1)).status, 403);
    assert.equal((await t.call("GET", `${NS}/secrets?fieldSelector=metadata.name%3Dtls`, undefined, n1)).status, 200);
  });

  test("pods: listed or watched only with spec.nodeName=<itself>, read only when bound to it; Nodes: only its own (AuthorizeNodeWithSelectors)", async () => {
    const get = async (path: string) => (await t.call("GET", path, undefined, n1)).status;
    assert.equal(await get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn1"), 200);
    assert.equal(await get("/api/v1/pods?watch=1&timeoutSeconds=1&fieldSelector=spec.nodeName%3Dn1"), 200);
    const all = await t.call("GET", "/api/v1/pods", undefined, n1);
    assert.equal(all.status, 403);
    assert.match(String(all.body.message), /cannot list resource "pods" in API group "" at the cluster scope: can only list\/watch pods with spec.nodeName field selector/);
    assert.equal(await get("/api/v1/pods?fieldSelector=spec.nodeName%3Dn2"), 403);
    assert.equal(await get(`${NS}/pods/mine`), 200);
    assert.equal(await get(`${NS}/pods/theirs`), 403);
    assert.equal(await get("/api/v1/nodes"), 403);
    assert.equal(await get("/api/v1/nodes/n2"), 403);
    assert.equal(await get("/api/v1/nodes/n1"), 404, "its own Node, before it registered: allowed, not there");
  });

  test("pods/status of its own pods only; its own Node only", async () => {
    const status = (pod: string) => t.call("PATCH", `${NS}/pods/${pod}/status`, { status: { message: "x" } }, { ...n1, "Content-Type": "application/merge-patch+json" });
    assert.equal((await status("mine")).status, 200);
    assert.equal((await status("theirs")).status, 403);
    assert.equal((await status("gone")).status, 404, "a pod that is not there: 404, as upstream (the kubelet ignores it)");
    const other = await t.call("POST", "/api/v1/nodes", { metadata: { name: "n2" } }, n1);
    assert.equal(other.status, 403);
    assert.match(String(other.body.message), /node "n1" is not allowed to modify node "n2"/);
    assert.equal((await t.call("POST", "/api/v1/nodes", { metadata: { name: "n1" } }, n1)).status, 201);
    assert.equal((await t.call("POST", `${NS}/pods`, { metadata: { name: "p" }, spec: { nodeName: "n1", containers: [{ name: "c", image: "i" }] } }, n1)).status, 403, "only mirror pods");
  });

  test("TokenRequests for its pods' account, bound to a pod on this node", async () => {
    const token = (boundTo?: string) => t.call("POST", `${NS}/serviceaccounts/web/token`, {
      apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [DEFAULT_ISSUER], ...(boundTo ? { boundObjectRef: { apiVersion: "v1", kind: "Pod", name: boundTo } } : {}) },
    }, n1);
    assert.equal((await token("mine")).status, 201);
    const elsewhere = await token("theirs");
    assert.equal(elsewhere.status, 403);
    assert.match(String(elsewhere.body.message), /node requested token bound to a pod scheduled on a different node/);
    assert.match(String((await token()).body.message), /node requested token not bound to a pod/);
  });
});
