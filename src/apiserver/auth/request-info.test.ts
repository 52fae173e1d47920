import { test } from "node:test";
import assert from "node:assert/strict";
import { requestAttributes } from "./request-info.js";

const user = { name: "alice", groups: [] };

function attrs(method: string, target: string) {
  const q = target.indexOf("?");
  const a = requestAttributes(method, q < 0 ? target : target.slice(0, q), new URLSearchParams(q < 0 ? "" : target.slice(q + 1)), user);
  const { user: _u, path: _p, apiVersion: _v, ...rest } = a;
  return rest;
}

const resource = (verb: string, apiGroup: string, resource: string, more: { namespace?: string; name?: string; subresource?: string; fieldSelector?: string } = {}) =>
  ({ verb, resourceRequest: true, apiGroup, resource, subresource: more.subresource ?? "", namespace: more.namespace ?? "", name: more.name ?? "", ...(more.fieldSelector ? { fieldSelector: more.fieldSelector } : {}) });
const path = (verb: string) => ({ verb, resourceRequest: false, apiGroup: "", resource: "", subresource: "", namespace: "", name: "" });

const cases: Array<{ name: string; method: string; target: string; want: ReturnType<typeof attrs> }> = [
  { name: "get a named pod", method: "GET", target: "/api/v1/namespaces/default/pods/web", want: resource("get", "", "pods", { namespace: "default", name: "web" }) },
  { name: "list pods in a namespace", method: "GET", target: "/api/v1/namespaces/default/pods", want: resource("list", "", "pods", { namespace: "default" }) },
  { name: "list pods in every namespace", method: "GET", target: "/api/v1/pods", want: resource("list", "", "pods") },
  { name: "watch with ?watch=true", method: "GET", target: "/apis/apps/v1/namespaces/x/deployments?watch=true", want: resource("watch", "apps", "deployments", { namespace: "x" }) },
  { name: "watch=1 and watch=yes are watches, watch=false a list", method: "GET", target: "/api/v1/pods?watch=yes", want: resource("watch", "", "pods") },
  { name: "watch=false is a list", method: "GET", target: "/api/v1/pods?watch=false", want: resource("list", "", "pods") },
  { name: "watch through the /watch/ path", method: "GET", target: "/api/v1/watch/namespaces/default/pods", want: resource("watch", "", "pods", { namespace: "default" }) },
  { name: "watch of one object through /watch/", method: "GET", target: "/api/v1/watch/namespaces/default/pods/web", want: resource("watch", "", "pods", { namespace: "default", name: "web" }) },
  { name: "a list with a metadata.name field selector names the object", method: "GET", target: "/api/v1/namespaces/default/pods?fieldSelector=metadata.name%3Dweb", want: resource("list", "", "pods", { namespace: "default", name: "web", fieldSelector: "metadata.name=web" }) },
  { name: "a watch keeps its field selector (AuthorizeWithSelectors)", method: "GET", target: "/api/v1/pods?watch=1&fieldSelector=spec.nodeName%3Dn1", want: resource("watch", "", "pods", { fieldSelector: "spec.nodeName=n1" }) },
  { name: "create", method: "POST", target: "/api/v1/namespaces/default/configmaps", want: resource("create", "", "configmaps", { namespace: "default" }) },
  { name: "update", method: "PUT", target: "/api/v1/namespaces/default/configmaps/c", want: resource("update", "", "configmaps", { namespace: "default", name: "c" }) },
  { name: "patch a subresource", method: "PATCH", target: "/apis/apps/v1/namespaces/shop/deployments/web/scale", want: resource("patch", "apps", "deployments", { namespace: "shop", name: "web", subresource: "scale" }) },
  { name: "delete", method: "DELETE", target: "/api/v1/namespaces/default/pods/web", want: resource("delete", "", "pods", { namespace: "default", name: "web" }) },
  { name: "deletecollection", method: "DELETE", target: "/api/v1/namespaces/default/pods", want: resource("deletecollection", "", "pods", { namespace: "default" }) },
  { name: "a pod's log", method: "GET", target: "/api/v1/namespaces/default/pods/web/log", want: resource("get", "", "pods", { namespace: "default", name: "web", subresource: "log" }) },
  { name: "exec is a create on pods/exec", method: "POST", target: "/api/v1/namespaces/default/pods/web/exec?command=ls", want: resource("create", "", "pods", { namespace: "default", name: "web", subresource: "exec" }) },
  { name: "a namespace is itself and its own namespace", method: "GET", target: "/api/v1/namespaces/shop", want: resource("get", "", "namespaces", { namespace: "shop", name: "shop" }) },
  { name: "a namespace's status", method: "PUT", target: "/api/v1/namespaces/shop/status", want: resource("update", "", "namespaces", { namespace: "shop", name: "shop", subresource: "status" }) },
  { name: "a namespace's finalize", method: "PUT", target: "/api/v1/namespaces/shop/finalize", want: resource("update", "", "namespaces", { namespace: "shop", name: "shop", subresource: "finalize" }) },
  { name: "list namespaces", method: "GET", target: "/api/v1/namespaces", want: resource("list", "", "namespaces") },
  { name: "a cluster-scoped object", method: "GET", target: "/api/v1/nodes/n1", want: resource("get", "", "nodes", { name: "n1" }) },
  { name: "the proxy verb takes no subresource", method: "GET", target: "/api/v1/proxy/namespaces/default/pods/web/healthz", want: resource("proxy", "", "pods", { namespace: "default", name: "web" }) },
  { name: "pods/proxy as a subresource", method: "GET", target: "/api/v1/namespaces/default/pods/web/proxy/healthz", want: resource("get", "", "pods", { namespace: "default", name: "web", subresource: "proxy" }) },
  { name: "an escaped segment is decoded", method: "GET", target: "/api/v1/namespaces/default/configmaps/a%3Ab", want: resource("get", "", "configmaps", { namespace: "default", name: "a:b" }) },
  { name: "HEAD is a get", method: "HEAD", target: "/api/v1/namespaces/default/pods/web", want: resource("get", "", "pods", { namespace: "default", name: "web" }) },
  { name: "/healthz is a non-resource get", method: "GET", target: "/healthz", want: path("get") },
  { name: "/api is non-resource", method: "GET", target: "/api", want: path("get") },
  { name: "/api/v1 is non-resource", method: "GET", target: "/api/v1", want: path("get") },
  { name: "/apis/apps/v1 is non-resource", method: "GET", target: "/apis/apps/v1", want: path("get") },
  { name: "a POST to a non-resource path is post", method: "POST", target: "/metrics", want: path("post") },
];

for (const c of cases) {
  test(`requestAttributes: ${c.name}`, () => {
    assert.deepEqual(attrs(c.method, c.target), c.want);
  });
}

test("requestAttributes keeps the path as sent and the API version", () => {
  const a = requestAttributes("GET", "/apis/apps/v1/deployments/", new URLSearchParams(), user);
  assert.equal(a.path, "/apis/apps/v1/deployments/");
  assert.equal(a.apiVersion, "v1");
  assert.equal(a.user, user);
});
