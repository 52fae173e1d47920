import assert from "node:assert/strict";
import { test } from "node:test";
import { requestTarget } from "./route.js";

test("requestTarget splits a request target as the URL parser does", () => {
  for (const target of [
    "/api/v1/namespaces/default/pods",
    "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb%2Ctier%21%3Dfront&limit=500",
    "/apis/apps/v1/deployments?watch=1&resourceVersion=12&allowWatchBookmarks=true",
    "/api/v1/namespaces/default/pods/a%2Fb/log?container=c&follow=true",
    "/api/v1/namespaces/default/pods/../secrets",
    "/api/./v1/nodes",
    "/api\\v1\\nodes",
    "/api/v1/nodes?x=1#frag",
    "/?",
    "/",
  ]) {
    const url = new URL(target, "http://localhost");
    const got = requestTarget(target);
    assert.equal(got.pathname, url.pathname, target);
    assert.deepEqual([...got.searchParams], [...url.searchParams], target);
  }
});
