import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StatusError } from "../../api/errors.js";
import { parseProxyId, requestPath, rootRedirect } from "./proxy.js";

describe("parseProxyId", () => {
  test("splits [scheme:]name[:port] as upstream's SplitSchemeNamePort", () => {
    assert.deepEqual(parseProxyId("web"), { scheme: "http", name: "web", port: "" });
    assert.deepEqual(parseProxyId("web:80"), { scheme: "http", name: "web", port: "80" });
    assert.deepEqual(parseProxyId("web:http"), { scheme: "http", name: "web", port: "http" });
    assert.deepEqual(parseProxyId("https:web:8443"), { scheme: "https", name: "web", port: "8443" });
    assert.deepEqual(parseProxyId("http:web:"), { scheme: "http", name: "web", port: "" });
  });

  test("an id with an unknown scheme or too many parts is a 400", () => {
    assert.throws(() => parseProxyId("ftp:web:21"), (e: unknown) => e instanceof StatusError && e.code === 400);
    assert.throws(() => parseProxyId("a:b:c:d"), (e: unknown) => e instanceof StatusError && e.code === 400);
  });
});

describe("requestPath", () => {
  test("is what follows {plural}/{id}/proxy, with the query, or / when nothing does", () => {
    assert.equal(requestPath("/api/v1/namespaces/d/pods/web:80/proxy/", "pods"), "/");
    assert.equal(requestPath("/api/v1/namespaces/d/pods/web:80/proxy", "pods"), "/");
    assert.equal(requestPath("/api/v1/namespaces/d/services/web/proxy/a/b?x=1", "services"), "/a/b?x=1");
    assert.equal(requestPath("/api/v1/nodes/n1/proxy/healthz", "nodes"), "/healthz");
  });
});

describe("rootRedirect", () => {
  test("GET and HEAD of …/proxy without a path go to …/proxy/ with the query; other methods and paths don't", () => {
    assert.equal(rootRedirect("/api/v1/namespaces/d/pods/agnhost/proxy?method=GET", "pods", "GET"), "/api/v1/namespaces/d/pods/agnhost/proxy/?method=GET");
    assert.equal(rootRedirect("/api/v1/namespaces/d/services/s/proxy", "services", "HEAD"), "/api/v1/namespaces/d/services/s/proxy/");
    assert.equal(rootRedirect("/api/v1/namespaces/d/pods/agnhost/proxy?method=POST", "pods", "POST"), undefined);
    assert.equal(rootRedirect("/api/v1/namespaces/d/pods/agnhost/proxy/", "pods", "GET"), undefined);
  });
});
