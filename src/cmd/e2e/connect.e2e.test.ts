import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster } from "./harness.js";

/**
 * exec, attach, port-forward and proxy are not served yet: on a pod that exists kubectl must say so
 * (MethodNotAllowed naming the subresource), and say NotFound only for a pod that does not exist.
 */
describe("kubectl exec, attach, port-forward and proxy against tug up", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated"]);
    c.ok(["run", "web", "--image=ikubernetes/myapp:v1"]);
  });
  after(async () => {
    await c.stop();
  });

  test("exec on an existing pod names exec as not supported yet, not a missing pod", () => {
    const r = c.kubectl(["exec", "web", "--", "echo", "hi"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /exec is not supported yet on pods "web"/);
    assert.doesNotMatch(r.stderr, /not found/);
  });

  test("exec on a missing pod is NotFound", () => {
    const r = c.kubectl(["exec", "ghost", "--", "echo", "hi"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error from server \(NotFound\): pods "ghost" not found/);
  });

  test("attach, port-forward and proxy name themselves too", async () => {
    assert.match(c.kubectl(["attach", "web"]).stderr, /attach is not supported yet on pods "web"/);
    const forward = await c.kubectlAsync(["port-forward", "pod/web", "0:80"]);
    assert.equal(forward.code, 1);
    assert.match(forward.stderr, /portforward is not supported yet on pods "web"/);
    assert.match(c.kubectl(["get", "--raw", "/api/v1/namespaces/default/pods/web:80/proxy/"]).stderr, /proxy is not supported yet on pods "web"/);
  });
});
