import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Cluster, canIsolate, eventually } from "./harness.js";

interface Terminated {
  exitCode?: number;
  message?: string;
}
interface PodJson {
  status: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string }>;
    initContainerStatuses?: Array<{ state?: { terminated?: Terminated } }>;
    containerStatuses?: Array<{ restartCount: number; state?: { running?: unknown; terminated?: Terminated; waiting?: unknown } }>;
  };
}

const pod = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { restartPolicy: "Never", ...spec } });

/** What kubectl reports of a pod's ending: a process runtime cluster, real kubectl, as a user sees it. */
describe("containers' results through kubectl", { skip: !canIsolate() && "needs root (pod mount namespaces) and the CNI plugins" }, () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "process"]);
  });
  after(async () => {
    await c.stop();
  });

  const ended = async (name: string) => {
    let p: PodJson | undefined;
    await eventually(`${name} to end`, () => ["Succeeded", "Failed"].includes((p = c.json<PodJson>(["get", "pod", name])).status.phase ?? ""), 60_000);
    return p!;
  };

  test("state.terminated.message holds what the container wrote to its terminationMessagePath, or under FallbackToLogsOnError the end of its log", async () => {
    c.ok(["create", "-f", "-"], pod("from-file", { containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "echo -n written > /dev/termination-log; echo ignored"] }] }));
    c.ok(["create", "-f", "-"], pod("from-log", { containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "echo first; echo -n DONE; exit 3"], terminationMessagePolicy: "FallbackToLogsOnError" }] }));
    c.ok(["create", "-f", "-"], pod("custom-path", { containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "echo -n custom > /dev/termination-custom-log"], terminationMessagePath: "/dev/termination-custom-log" }] }));
    const message = async (name: string) => (await ended(name)).status.containerStatuses?.[0]?.state?.terminated?.message;
    assert.equal(await message("from-file"), "written");
    assert.equal(await message("from-log"), "first\nDONE");
    assert.equal(await message("custom-path"), "custom");
  });

  test("a failed init container under restartPolicy Never fails the pod and leaves Initialized False", async () => {
    c.ok(["create", "-f", "-"], pod("init-fails", { initContainers: [{ name: "init", image: "busybox", command: ["false"] }], containers: [{ name: "c", image: "busybox", command: ["true"] }] }));
    const p = await ended("init-fails");
    assert.equal(p.status.phase, "Failed");
    const init = p.status.conditions?.find((x) => x.type === "Initialized");
    assert.deepEqual([init?.status, init?.reason], ["False", "ContainersNotInitialized"]);
    assert.equal(p.status.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 1);
  });

  test("a gRPC liveness probe passes against a health server and restarts the container when nothing answers", async () => {
    // A grpc.health.v1 server written with node's http2, answering SERVING to every Check.
    const server = `require("http2").createServer().on("stream",(s)=>{s.resume();s.on("end",()=>{s.respond({":status":200,"content-type":"application/grpc"},{waitForTrailers:true});s.on("wantTrailers",()=>s.sendTrailers({"grpc-status":"0"}));s.end(Buffer.from([0,0,0,0,2,8,1]))})}).listen(5000)`;
    const probe = (port: number) => ({ grpc: { port }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 });
    for (const [name, port] of [["grpc-ok", 5000], ["grpc-bad", 2333]] as const) {
      c.ok(["create", "-f", "-"], pod(name, { restartPolicy: "Always", terminationGracePeriodSeconds: 1, containers: [{ name: "c", image: "busybox", command: ["node", "-e", server], livenessProbe: probe(port) }] }));
    }
    await eventually("grpc-bad to be restarted", () => (c.json<PodJson>(["get", "pod", "grpc-bad"]).status.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 60_000);
    const events = c.ok(["get", "events", "--field-selector", "involvedObject.name=grpc-bad", "-o", "jsonpath={.items[*].message}"]);
    assert.match(events, /Liveness probe failed: timeout: failed to connect service "[\d.]+:2333" within 1s: context deadline exceeded/);
    const ok = c.json<PodJson>(["get", "pod", "grpc-ok"]).status.containerStatuses?.[0];
    assert.ok(ok?.state?.running, "grpc-ok runs");
    assert.equal(ok?.restartCount, 0, "grpc-ok was never restarted");
  });

  test("kubectl is refused a pod with a malformed sysctl name, and a raw body with a duplicate field under Strict", () => {
    const sysctl = c.kubectl(["create", "-f", "-"], pod("bad-sysctl", { securityContext: { sysctls: [{ name: "foo-", value: "1" }] }, containers: [{ name: "c", image: "busybox" }] }));
    assert.notEqual(sysctl.code, 0);
    assert.match(sysctl.stderr, /spec\.securityContext\.sysctls\[0\]\.name: Invalid value: "foo-": must have at most 253 characters/);
    const raw = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},"data":{"b":"2"}}';
    const dup = c.kubectl(["create", "--raw", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", "-f", "-"], raw);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /strict decoding error: duplicate field \\?"data\\?"/);
  });
});
