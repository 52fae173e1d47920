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

  test("debug -i without -c: kubectl names the container, the shell reads the attacher's input, its exit code is its status", async () => {
    const r = c.kubectl(["debug", "-i", "pod/x", "--image=busybox", "--", "sh"], "hostname; exit 4\n");
    assert.match(r.stdout, /^x$/m, r.stderr);
    const name = status().ephemeralContainerStatuses?.find((e) => /^debugger-\w{5}$/.test(e.name))?.name;
    assert.ok(name, JSON.stringify(status()));
    await eventually("the debugger terminated", () => ephemeral(name)?.state.terminated !== undefined, 30_000, () => JSON.stringify(status()));
    assert.equal(ephemeral(name)?.state.terminated?.exitCode, 4);
    assert.equal(ephemeral(name)?.state.terminated?.reason, "Error");
    regularUntouched();
  });

  test("debug with a container's name, a second ephemeral container of a name, and removing one are refused with 422", () => {
    const regular = c.kubectl(["debug", "pod/x", "--image=busybox", "-c", "x", "-v=6", "--", "true"]);
    assert.notEqual(regular.code, 0);
    assert.match(regular.stderr, /PATCH https:\/\/\S+\/pods\/x\/ephemeralcontainers 422/);
    assert.match(regular.stderr, /Pod "x" is invalid: spec.ephemeralContainers\[\d\]\.name: Duplicate value: "x"/);
    // Through the subresource's PUT: a second "dbg" is a duplicate; existing ones may not go.
    const pod = JSON.parse(c.ok(["get", "--raw", "/api/v1/namespaces/default/pods/x/ephemeralcontainers"])) as { spec: { ephemeralContainers: Array<{ name: string }> } };
    const put = (body: object) => c.kubectl(["replace", "--raw", "/api/v1/namespaces/default/pods/x/ephemeralcontainers", "-f", "-", "-v=6"], JSON.stringify(body));
    const twice = put({ ...pod, spec: { ...pod.spec, ephemeralContainers: [...pod.spec.ephemeralContainers, { name: "dbg", image: "busybox" }] } });
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, /ephemeralcontainers 422/);
    assert.match(twice.stderr, /spec\.ephemeralContainers\[\d\]\.name: Duplicate value: "dbg"/);
    const removed = put({ ...pod, spec: { ...pod.spec, ephemeralContainers: pod.spec.ephemeralContainers.filter((e) => e.name !== "dbg2") } });
    assert.notEqual(removed.code, 0);
    assert.match(removed.stderr, /ephemeralcontainers 422/);
    assert.match(removed.stderr, /spec\.ephemeralContainers: Forbidden: existing ephemeral containers "dbg2" may not be removed/);
    regularUntouched();
  });

  test("the subresource changes only spec.ephemeralContainers, is listed in discovery, and a create may not carry any", () => {
    const r = c.kubectl(["get", "--raw", "/api/v1"]);
    assert.match(r.stdout, /"name":"pods\/ephemeralcontainers"[^}]*"kind":"Pod","verbs":\["get","patch","update"\]/);
    const pod = JSON.parse(c.ok(["get", "--raw", "/api/v1/namespaces/default/pods/x/ephemeralcontainers"])) as {
      kind: string; metadata: { labels: Record<string, string> }; spec: { containers: Array<{ image: string }>; ephemeralContainers: object[]; activeDeadlineSeconds?: number };
    };
    assert.equal(pod.kind, "Pod");
    assert.equal(pod.spec.ephemeralContainers.length, 3);
    // Everything else the body changes is dropped, as upstream's strategy drops it.
    const body = {
      ...pod, metadata: { ...pod.metadata, labels: { run: "changed" } },
      spec: { ...pod.spec, activeDeadlineSeconds: 5, containers: pod.spec.containers.map((x) => ({ ...x, image: "nginx" })),
        ephemeralContainers: [...pod.spec.ephemeralContainers, { name: "dbg3", image: "busybox", command: ["true"] }] },
    };
    const put = c.kubectl(["replace", "--raw", "/api/v1/namespaces/default/pods/x/ephemeralcontainers", "-f", "-"], JSON.stringify(body));
    assert.equal(put.code, 0, put.stderr);
    const after = JSON.parse(c.ok(["get", "pod", "x", "-o", "json"])) as typeof pod;
    assert.deepEqual(after.metadata.labels, { run: "x" });
    assert.deepEqual(after.spec.containers.map((x) => x.image), ["busybox"]);
    assert.equal(after.spec.activeDeadlineSeconds, undefined);
    assert.equal(after.spec.ephemeralContainers.length, 4);
    const created = c.kubectl(["create", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "Pod", metadata: { name: "y" },
      spec: { containers: [{ name: "y", image: "busybox" }], ephemeralContainers: [{ name: "e", image: "busybox" }] },
    }));
    assert.notEqual(created.code, 0);
    assert.match(created.stderr, /spec\.ephemeralContainers: Forbidden: cannot be set on create/);
    regularUntouched();
  });
});
