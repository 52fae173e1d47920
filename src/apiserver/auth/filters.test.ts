import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { connect } from "node:http2";
import { createCertificateAuthority, issueCertificate, type CertificateAndKey } from "../../api/pki/certificates.js";
import { MemoryStore } from "../../store/memory.js";
import { ApiServer } from "../server.js";
import { apiServerCertificate } from "../tls.js";
import type { Authorizer, RequestAttributes } from "./types.js";

/**
 * The API server's authentication, impersonation and authorization filters over real HTTPS: client
 * certificates (good, expired, not yet valid, from another CA, a serving one), the static token in any
 * case of "Bearer", anonymous requests, and a tiny authorizer standing in for RBAC.
 */

const PUBLIC = new Set(["/healthz", "/livez", "/readyz", "/version"]);

/** alice may read pods in default and impersonate bob; bob may list configmaps in default; anyone may read the public paths. */
const testAuthorizer: Authorizer & { seen: RequestAttributes[] } = {
  seen: [],
  authorize(a) {
    this.seen.push(a);
    if (!a.resourceRequest) return { decision: a.verb === "get" && PUBLIC.has(`/${a.path.split("/")[1]}`) ? "allow" : "no-opinion" };
    const u = a.user.name;
    if (u === "alice" && a.resource === "pods" && a.namespace === "default" && ["get", "list"].includes(a.verb)) return { decision: "allow" };
    if (u === "alice" && a.verb === "impersonate" && a.resource === "users" && a.name === "bob") return { decision: "allow" };
    if (u === "bob" && a.resource === "configmaps" && a.namespace === "default" && a.verb === "list") return { decision: "allow" };
    if (a.resource === "selfsubjectreviews") return { decision: "allow" };
    return { decision: "no-opinion" };
  },
};

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe("API server authentication and authorization over HTTPS", () => {
  let server: ApiServer;
  let port: number;
  let ca: CertificateAndKey;
  const certs: Record<string, CertificateAndKey> = {};
  const now = new Date();
  const day = 24 * 3600 * 1000;

  async function client(ca: CertificateAndKey, commonName: string, organizations: string[], more: { notBefore?: Date; notAfter?: Date; usage?: "client" | "server" } = {}) {
    const issued = await issueCertificate(ca, { commonName, organizations, usage: more.usage ?? "client", now, ...more });
    return { cert: issued.cert, key: issued.key! };
  }

  before(async () => {
    ca = await createCertificateAuthority(now);
    const other = await createCertificateAuthority(now, "someone-else");
    certs.admin = await client(ca, "kubernetes-admin", ["system:masters"]);
    certs.alice = await client(ca, "alice", ["dev"]);
    certs.expired = await client(ca, "alice", [], { notBefore: new Date(now.getTime() - 2 * day), notAfter: new Date(now.getTime() - day) });
    certs.future = await client(ca, "alice", [], { notBefore: new Date(now.getTime() + day), notAfter: new Date(now.getTime() + 2 * day) });
    certs.otherCA = await client(other, "kubernetes-admin", ["system:masters"]);
    certs.serving = await client(ca, "kubernetes-admin", ["system:masters"], { usage: "server" });
    server = new ApiServer({ store: new MemoryStore(), certs: await apiServerCertificate(ca, []), token: "s3cret", authorizer: testAuthorizer, log: () => {} });
    port = await server.listen(0);
  });
  after(() => server.close());

  function call(path: string, opts: { as?: CertificateAndKey; headers?: Record<string, string | string[]>; method?: string; body?: unknown } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: "127.0.0.1", port, path, method: opts.method ?? "GET", ca: ca.cert, agent: false, servername: "localhost",
        ...(opts.as ? { cert: opts.as.cert, key: opts.as.key } : {}),
        headers: { ...(opts.body ? { "Content-Type": "application/json" } : {}), ...opts.headers },
      }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => {
          let body: Record<string, unknown>;
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on("error", reject);
      req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
    });
  }

  const whoami = async (opts: Parameters<typeof call>[1] = {}) => {
    const r = await call("/apis/authentication.k8s.io/v1/selfsubjectreviews", { ...opts, method: "POST", body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return (r.body.status as { userInfo: Record<string, unknown> }).userInfo;
  };

  test("a client certificate of the cluster CA authenticates its CN in its O groups, plus system:authenticated", async () => {
    assert.deepEqual(await whoami({ as: certs.alice }), { username: "alice", groups: ["dev", "system:authenticated"] });
    assert.deepEqual(await whoami({ as: certs.admin }), { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] });
    assert.equal((await call("/api/v1/namespaces/default/pods", { as: certs.alice })).status, 200);
    assert.equal((await call("/api/v1/nodes", { as: certs.admin })).status, 200, "system:masters may do anything");
  });

  test("a client certificate over HTTP/2 (as kubectl connects) authenticates too", async () => {
    const session = connect(`https://127.0.0.1:${port}`, { ca: ca.cert, cert: certs.alice!.cert, key: certs.alice!.key, servername: "localhost" });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        const req = session.request({ ":path": "/api/v1/namespaces/default/pods" });
        req.on("response", (h) => resolve(Number(h[":status"])));
        req.on("error", reject);
        req.resume();
        req.end();
      });
      assert.equal(status, 200);
    } finally {
      session.close();
    }
  });

  for (const [name, which] of [["expired", "expired"], ["not yet valid", "future"], ["signed by another CA", "otherCA"], ["a serving (not client) certificate", "serving"]] as const) {
    test(`a client certificate ${name} is 401, also on /healthz`, async () => {
      for (const path of ["/api/v1/namespaces/default/pods", "/healthz"]) {
        const r = await call(path, { as: certs[which] });
        assert.equal(r.status, 401, path);
        assert.deepEqual(r.body, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 });
      }
    });
  }

  test("the static token authenticates with the Bearer scheme in any case; a wrong or empty one is 401", async () => {
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      assert.deepEqual(await whoami({ headers: { Authorization: `${scheme} s3cret` } }), { username: "admin", groups: ["system:masters", "system:authenticated"] }, scheme);
    }
    assert.equal((await call("/api/v1/pods", { headers: { Authorization: "  Bearer s3cret  " } })).status, 200, "the header is trimmed");
    for (const auth of ["Bearer s3cre", "Bearer s3cret2", "Bearer ", "Bearer", "bearer x"]) {
      assert.equal((await call("/api/v1/pods", { headers: { Authorization: auth } })).status, 401, auth);
    }
    assert.equal((await call("/healthz", { headers: { Authorization: "Bearer nope" } })).status, 401, "bad credentials are 401 everywhere");
  });

  test("1,000 malformed Authorization headers and impersonation headers: 401, 403 or 400, never a 500", async () => {
    const pieces = ["Bearer", "bearer", "BEARER", "Basic", " ", "  ", "s3cret", "s3cret ", "\u00e9", "=", "..", "eyJhbGciOiJub25lIn0.e30.", "Bearer s3cret", "%00", ",", "x".repeat(300)];
    let seed = 7;
    const pick = () => pieces[(seed = (seed * 1103515245 + 12345) % 2147483648) % pieces.length]!;
    for (let i = 0; i < 1000; i++) {
      const auth = Array.from({ length: 1 + (i % 4) }, pick).join(i % 3 === 0 ? " " : "");
      const headers: Record<string, string> = { Authorization: Buffer.from(auth, "latin1").toString("latin1").replace(/[^\x20-\x7e]/g, "?") };
      if (i % 5 === 0) headers["Impersonate-Group"] = pick().trim() || "g";
      if (i % 7 === 0) headers["Impersonate-Extra-" + (i % 2 ? "a%zz" : "b")] = pick().trim() || "v";
      const r = await call("/api/v1/namespaces/default/pods", { headers });
      assert.ok([200, 400, 401, 403].includes(r.status), `${JSON.stringify(headers)} → ${r.status} ${JSON.stringify(r.body)}`);
    }
  });

  test("no credentials: /healthz, /livez, /readyz (and below) and /version are open as system:anonymous; everything else is 401", async () => {
    for (const path of ["/healthz", "/livez", "/readyz", "/readyz/ping", "/livez/etcd", "/version"]) assert.equal((await call(path)).status, 200, path);
    for (const path of ["/api", "/apis", "/api/v1/namespaces", "/openapi/v2", "/metrics", "/healthzx"]) assert.equal((await call(path)).status, 401, path);
    assert.equal((await call("/healthz", { headers: { Authorization: "Basic YTpi" } })).status, 200, "another scheme is no credential");
    const anonymous = testAuthorizer.seen.findLast((a) => a.path === "/healthz");
    assert.deepEqual(anonymous?.user, { name: "system:anonymous", groups: ["system:unauthenticated"] });
  });

  test("what the authorizer refuses is upstream's 403", async () => {
    const pods = await call("/api/v1/namespaces/kube-system/pods", { as: certs.alice });
    assert.equal(pods.status, 403);
    assert.deepEqual(pods.body, {
      kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", reason: "Forbidden", code: 403, details: { kind: "pods" },
      message: 'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "kube-system"',
    });
    const deploy = await call("/apis/apps/v1/namespaces/default/deployments/web/scale", { as: certs.alice });
    assert.equal(deploy.body.message, 'deployments.apps "web" is forbidden: User "alice" cannot get resource "deployments/scale" in API group "apps" in the namespace "default"');
    assert.deepEqual(deploy.body.details, { name: "web", group: "apps", kind: "deployments" });
    const nodes = await call("/api/v1/nodes", { as: certs.alice });
    assert.equal(nodes.body.message, 'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope');
    const path = await call("/metrics", { as: certs.alice });
    assert.deepEqual([path.status, path.body.message, path.body.details], [403, 'forbidden: User "alice" cannot get path "/metrics"', {}]);
  });

  test("impersonation: allowed for whom the authorizer allows, then the request is the impersonated user's", async () => {
    assert.deepEqual(await whoami({ as: certs.alice, headers: { "Impersonate-User": "bob" } }), { username: "bob", groups: ["system:authenticated"] });
    assert.equal((await call("/api/v1/namespaces/default/configmaps", { as: certs.alice, headers: { "Impersonate-User": "bob" } })).status, 200);
    assert.equal((await call("/api/v1/namespaces/default/configmaps", { as: certs.alice })).status, 403, "alice herself may not");
    const carol = await call("/api/v1/namespaces/default/pods", { as: certs.alice, headers: { "Impersonate-User": "carol" } });
    assert.equal(carol.status, 403);
    assert.equal(carol.body.message, 'users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    assert.deepEqual(carol.body.details, { name: "carol", kind: "users" });
    const group = await call("/api/v1/namespaces/default/pods", { as: certs.alice, headers: { "Impersonate-User": "bob", "Impersonate-Group": "admins" } });
    assert.equal(group.body.message, 'groups "admins" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope');
  });

  test("impersonation by system:masters: groups, uid, extras and service accounts as upstream builds them", async () => {
    assert.deepEqual(await whoami({ as: certs.admin, headers: { "Impersonate-User": "dave", "Impersonate-Group": ["g1", "g2"], "Impersonate-Uid": "u-1", "Impersonate-Extra-Scopes": ["a", "b"], "Impersonate-Extra-Acme.com%2fteam": "x" } }), {
      username: "dave", uid: "u-1", groups: ["g1", "g2", "system:authenticated"], extra: { scopes: ["a", "b"], "acme.com/team": ["x"] },
    });
    assert.deepEqual(await whoami({ as: certs.admin, headers: { "Impersonate-User": "system:serviceaccount:shop:builder" } }), {
      username: "system:serviceaccount:shop:builder", groups: ["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"],
    });
    assert.deepEqual(await whoami({ as: certs.admin, headers: { "Impersonate-User": "system:anonymous" } }), { username: "system:anonymous", groups: ["system:unauthenticated"] });
    assert.deepEqual(await whoami({ as: certs.admin, headers: { "Impersonate-User": "eve", "Impersonate-Group": "system:unauthenticated" } }), { username: "eve", groups: ["system:unauthenticated"] });
    const noUser = await call("/api/v1/pods", { as: certs.admin, headers: { "Impersonate-Group": "g1" } });
    assert.equal(noUser.status, 400);
    assert.match(String(noUser.body.message), /without impersonating a user/);
  });

  test("SelfSubjectReview is create-only and served in discovery", async () => {
    assert.equal((await call("/apis/authentication.k8s.io/v1/selfsubjectreviews", { as: certs.admin })).status, 405);
    const list = await call("/apis/authentication.k8s.io/v1", { as: certs.admin });
    assert.deepEqual((list.body.resources as unknown[]).find((r) => (r as { name: string }).name === "selfsubjectreviews"),
      { name: "selfsubjectreviews", singularName: "selfsubjectreview", namespaced: false, kind: "SelfSubjectReview", verbs: ["create"] });
    const wrong = await call("/apis/authentication.k8s.io/v1/selfsubjectreviews", { as: certs.admin, method: "POST", body: { apiVersion: "v1", kind: "Pod" } });
    assert.equal(wrong.status, 400);
  });
});
