import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, eventually } from "./harness.js";

interface ContainerStatus {
  name: string;
  restartCount: number;
  state: { running?: object; terminated?: { exitCode: number; reason: string }; waiting?: { reason: string } };
}

describe("kubectl debug with an ephemeral container against tug up", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "process"]);
    c.ok(["run", "x", "--image=busybox", "--", "sleep", "3600"]);
    c.ok(["wait", "--for=condition=Ready", "pod/x", "--timeout=90s"]);
  });
  after(async () => {
    await c.stop();
  });

  const status = (): { containerStatuses: ContainerStatus[]; ephemeralContainerStatuses?: ContainerStatus[] } =>
    JSON.parse(c.ok(["get", "pod", "x", "-o", "jsonpath={.status}"])) as never;
  const ephemeral = (name: string) => status().ephemeralContainerStatuses?.find((s) => s.name === name);
  /** The pod's own container runs on, never restarted. */
  const regularUntouched = () => {
    const [app] = status().containerStatuses;
    assert.ok(app?.state.running, JSON.stringify(app));
    assert.equal(app.restartCount, 0);
  };

  test("debug adds an ephemeral container that runs once in the pod's sandbox; logs -c shows its output", async () => {
    const r = c.kubectl(["debug", "pod/x", "--image=busybox", "-c", "dbg", "--", "sh", "-c", "hostname; echo debug-ok"]);
    assert.equal(r.code, 0, r.stderr);
    await eventually("dbg terminated", () => ephemeral("dbg")?.state.terminated !== undefined, 30_000, () => JSON.stringify(status()));
    const dbg = ephemeral("dbg")!;
    assert.equal(dbg.state.terminated?.exitCode, 0);
    assert.equal(dbg.state.terminated?.reason, "Completed");
    assert.equal(dbg.restartCount, 0);
    assert.equal(c.ok(["logs", "x", "-c", "dbg"]), "x\ndebug-ok\n");
    const spec = JSON.parse(c.ok(["get", "pod", "x", "-o", "jsonpath={.spec}"])) as { containers: unknown[]; ephemeralContainers: Array<{ name: string }> };
    assert.deepEqual(spec.ephemeralContainers.map((e) => e.name), ["dbg"]);
    assert.equal(spec.containers.length, 1);
    regularUntouched();
  });

  test("debug -i attaches to the ephemeral container's stdin and stdout", () => {
    const r = c.kubectl(["debug", "-i", "pod/x", "--image=busybox", "-c", "dbg2", "--", "sh", "-c", "read l; echo got $l"], "hi\n");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /got hi/);
    regularUntouched();
  });

  test("an ephemeral container named as another container is refused with 422", () => {
    const regular = c.kubectl(["debug", "pod/x", "--image=busybox", "-c", "x", "-v=6", "--", "true"]);
    assert.notEqual(regular.code, 0);
    assert.match(regular.stderr, /PATCH https:\/\/\S+\/pods\/x\/ephemeralcontainers 422/);
    assert.match(regular.stderr, /Pod "x" is invalid: spec.ephemeralContainers\[\d\]\.name: Duplicate value: "x"/);
    const again = c.kubectl(["debug", "pod/x", "--image=busybox", "-c", "dbg", "-v=6", "--", "echo", "other"]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /ephemeralcontainers 422/);
    assert.match(again.stderr, /existing ephemeral containers "dbg" may not be changed/);
    regularUntouched();
  });

  test("the subresource keeps everything but spec.ephemeralContainers, and lists in discovery", () => {
    const before = JSON.parse(c.ok(["get", "pod", "x", "-o", "json"])) as { spec: { containers: Array<{ image: string }> }; metadata: { labels: object } };
    const r = c.kubectl(["get", "--raw", "/api/v1"]);
    assert.match(r.stdout, /"name":"pods\/ephemeralcontainers"[^}]*"kind":"Pod","verbs":\["get","patch","update"\]/);
    const got = JSON.parse(c.ok(["get", "--raw", "/api/v1/namespaces/default/pods/x/ephemeralcontainers"])) as { kind: string; spec: { ephemeralContainers: unknown[] } };
    assert.equal(got.kind, "Pod");
    assert.equal(got.spec.ephemeralContainers.length, 2);
    assert.deepEqual(before.spec.containers.map((x) => x.image), ["busybox"]);
  });
});
