import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { criClient, type CriClient } from "../../node/runtime/containerd/cri-client.js";
import { ContainerState } from "../../node/runtime/containerd/gen/runtime/v1/api_pb.js";
import { busyboxImage, containerdSkipReason, registrySkipReason, startRegistry, type TestRegistry } from "../../node/runtime/containerd/testing.js";
import { Cluster, eventually, kubectlAvailable } from "./harness.js";

interface PodJson {
  status: {
    phase: string;
    podIP?: string;
    containerStatuses?: Array<{
      name: string; ready: boolean; restartCount: number; image: string; imageID: string; containerID?: string;
      state: { waiting?: { reason: string; message?: string }; running?: object; terminated?: { exitCode: number; reason: string } };
    }>;
  };
}

const skip = containerdSkipReason() ?? registrySkipReason() ?? (kubectlAvailable() ? undefined : "no kubectl on PATH");

/**
 * `tug up --runtime containerd` against a registry of the test's own: images built from the host's static
 * busybox, pushed to Debian's docker-registry on 127.0.0.1, pulled by Tugboat's own containerd (which
 * mirrors docker.io to that registry, so `busybox:1.36` means the test's image).
 */
describe("tug up --runtime containerd: pods run as containers from pulled images", { skip }, () => {
  let dir: string;
  let registry: TestRegistry;
  let privateRegistry: TestRegistry;
  let c: Cluster;
  let cri: CriClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tug-containerd-e2e-"));
    registry = await startRegistry(join(dir, "registry"));
    const web = await busyboxImage("web:1", join(dir, "images"), { entrypoint: ["/bin/httpd", "-f", "-p", "80", "-h", "/www"] }, "hello from a real container\n");
    await registry.push(web, "web:1");
    await registry.push(await busyboxImage("web:2", join(dir, "images"), { entrypoint: ["/bin/httpd", "-f", "-p", "80", "-h", "/www"] }, "v2\n"), "web:2");
    const busybox = await busyboxImage("busybox:1.36", join(dir, "images"), { cmd: ["/bin/sh"] });
    await registry.push(busybox, "library/busybox:1.36");
    privateRegistry = await startRegistry(join(dir, "private-registry"), { name: "puller", password: "s3cret" });
    await privateRegistry.push(web, "secret-web:1");
    c = await Cluster.start(["--runtime", "containerd", "--registry-mirrors", `docker.io=http://${registry.host}`]);
    cri = criClient(join(c.dataDir, "nodes", "tug-node-1", "containerd", "containerd.sock"));
  });
  after(async () => {
    cri?.close();
    await c?.stop();
    await registry?.stop();
    await privateRegistry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pod = (name: string) => c.json<PodJson>(["get", "pod", name]);

  test("kubectl run <registry>/web:1 runs the pulled image with a pod IP that answers HTTP", async () => {
    const image = `${registry.host}/web:1`;
    c.ok(["run", "web", `--image=${image}`, "--port=80"]);
    await eventually("web Running and ready", () => pod("web").status.containerStatuses?.[0]?.ready === true, 60_000, () => c.ok(["describe", "pod", "web"]));
    const p = pod("web");
    assert.equal(p.status.phase, "Running");
    assert.match(p.status.podIP ?? "", /^10\.\d+\.\d+\.\d+$/);
    const s = p.status.containerStatuses![0]!;
    assert.equal(s.image, image);
    assert.match(s.imageID, /^sha256:[0-9a-f]{64}$/);
    assert.match(s.containerID ?? "", /^containerd:\/\/[0-9a-f]{64}$/);
    const res = await fetch(`http://${p.status.podIP}/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(await res.text(), "hello from a real container\n");
    const events = c.ok(["get", "events", "--field-selector", "involvedObject.name=web", "-o", "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}"]);
    for (const reason of ["Scheduled", "Pulling", "Pulled", "Created", "Started"]) assert.ok(events.split("\n").includes(reason), `event ${reason} in ${events}`);
    const node = c.json<{ status: { nodeInfo: { containerRuntimeVersion: string } } }>(["get", "node", "tug-node-1"]);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\./);
  });

  test("kubectl exec runs in the container through the CRI streaming server, with its exit code", () => {
    assert.equal(c.ok(["exec", "web", "--", "cat", "/www/index.html"]), "hello from a real container\n");
    const r = c.kubectl(["exec", "web", "--", "sh", "-c", "echo to-stderr >&2; exit 3"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /to-stderr/);
  });

  test("a docker.io image (busybox:1.36, through the mirror) runs to completion and kubectl logs shows its output", async () => {
    c.ok(["run", "hello", "--image=busybox:1.36", "--restart=Never", "--", "sh", "-c", "echo hello from busybox; echo to stderr >&2; exit 0"]);
    await eventually("hello Succeeded", () => pod("hello").status.phase === "Succeeded", 60_000, () => c.ok(["describe", "pod", "hello"]));
    assert.equal(pod("hello").status.containerStatuses?.[0]?.state.terminated?.reason, "Completed");
    // stdout and stderr are two pipes: the runtime logs each line as it reads it, in either order across them.
    assert.deepEqual(c.ok(["logs", "hello"]).split("\n").sort(), ["", "hello from busybox", "to stderr"]);
  });

  test("a crashing container restarts with back-off (CrashLoopBackOff) and keeps its previous log", async () => {
    c.ok(["run", "crash", "--image=busybox:1.36", "--", "sh", "-c", "echo run; exit 2"]);
    await eventually("crash in CrashLoopBackOff after a restart", () => {
      const s = pod("crash").status.containerStatuses?.[0];
      return (s?.restartCount ?? 0) >= 1 && s?.state.waiting?.reason === "CrashLoopBackOff";
    }, 90_000, () => c.ok(["describe", "pod", "crash"]));
    const s = c.json<{ status: { containerStatuses: Array<{ lastState: { terminated?: { exitCode: number; reason: string } } }> } }>(["get", "pod", "crash"]).status.containerStatuses[0]!;
    assert.deepEqual([s.lastState.terminated?.exitCode, s.lastState.terminated?.reason], [2, "Error"]);
    assert.equal(c.ok(["logs", "crash", "--previous"]), "run\n");
    c.ok(["delete", "pod", "crash", "--wait=false"]);
  });

  test("an image tag the registry lacks shows ErrImagePull, then ImagePullBackOff", async () => {
    const image = `${registry.host}/web:404`;
    c.ok(["run", "missing", `--image=${image}`]);
    // ErrImagePull shows between a failed pull and the next sync (which finds the back-off): the events keep both.
    const messages = () => c.ok(["get", "events", "--field-selector", "involvedObject.name=missing", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"]).split("\n");
    await eventually("ImagePullBackOff after ErrImagePull", () => {
      const m = messages();
      return m.includes("Error: ErrImagePull") && m.includes("Error: ImagePullBackOff") && pod("missing").status.containerStatuses?.[0]?.state.waiting?.reason === "ImagePullBackOff";
    }, 60_000, () => c.ok(["describe", "pod", "missing"]));
    const failed = messages().find((m) => m.startsWith(`Failed to pull image "${image}": `)) ?? "";
    assert.match(failed, /rpc error: code = NotFound desc = failed to pull and unpack image .*web:404.*not found/);
    assert.match(pod("missing").status.containerStatuses?.[0]?.state.waiting?.message ?? "", /^Back-off pulling image ".*web:404": ErrImagePull: rpc error/);
    c.ok(["delete", "pod", "missing", "--wait=false"]);
  });

  test("an image of a registry with a password is pulled with the pod's imagePullSecrets, and not without", async () => {
    const image = `${privateRegistry.host}/secret-web:1`;
    c.ok(["create", "secret", "docker-registry", "regcred", `--docker-server=${privateRegistry.host}`, "--docker-username=puller", "--docker-password=s3cret"]);
    c.ok(["run", "nocred", `--image=${image}`]);
    c.ok(["run", "withcred", `--image=${image}`, "--overrides", JSON.stringify({ apiVersion: "v1", spec: { imagePullSecrets: [{ name: "regcred" }] } })]);
    await eventually("withcred Running", () => pod("withcred").status.phase === "Running", 60_000, () => c.ok(["describe", "pod", "withcred"]));
    await eventually("nocred failing to pull", () => ["ErrImagePull", "ImagePullBackOff"].includes(pod("nocred").status.containerStatuses?.[0]?.state.waiting?.reason ?? ""), 60_000);
    const events = c.ok(["get", "events", "--field-selector", "involvedObject.name=nocred", "-o", "jsonpath={range .items[*]}{.message}{\"\\n\"}{end}"]);
    assert.match(events, /Failed to pull image ".*secret-web:1": rpc error: .*401 Unauthorized|authorization failed|unauthorized/i);
    c.ok(["delete", "pod", "nocred", "withcred", "--wait=false"]);
  });

  test("a Deployment with probes and a preStop hook rolls from web:1 to web:2 behind a Service without one failed request", async () => {
    const deployment = (image: string) => JSON.stringify({
      apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "site" },
      spec: {
        replicas: 2, selector: { matchLabels: { app: "site" } },
        template: {
          metadata: { labels: { app: "site" } },
          spec: {
            terminationGracePeriodSeconds: 10,
            containers: [{
              name: "web", image, ports: [{ containerPort: 80 }],
              readinessProbe: { httpGet: { path: "/", port: 80 }, periodSeconds: 1 },
              livenessProbe: { exec: { command: ["cat", "/www/index.html"] }, periodSeconds: 2 },
              // Stay serving while the endpoints drop the pod, as upstream's advice for servers that stop at SIGTERM.
              lifecycle: { preStop: { exec: { command: ["sleep", "2"] } } },
            }],
          },
        },
      },
    });
    c.ok(["apply", "-f", "-"], deployment(`${registry.host}/web:1`));
    assert.equal((await c.kubectlAsync(["rollout", "status", "deployment/site", "--timeout=90s"])).code, 0, c.ok(["describe", "pods", "-l", "app=site"]));
    c.ok(["expose", "deployment", "site", "--port=80"]);
    const clusterIP = c.json<{ spec: { clusterIP: string } }>(["get", "svc", "site"]).spec.clusterIP;
    let stopped = false;
    const failures: string[] = [];
    const bodies = new Set<string>();
    let ok = 0;
    const traffic = (async () => {
      while (!stopped) {
        try {
          const res = await fetch(`http://${clusterIP}/`, { signal: AbortSignal.timeout(3000) });
          bodies.add(await res.text());
          ok++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    let status: { code: number; stderr: string };
    try {
      // A JSON patch of the image (what `kubectl set image` changes).
      c.ok(["patch", "deployment", "site", "--type=json", "-p", JSON.stringify([{ op: "replace", path: "/spec/template/spec/containers/0/image", value: `${registry.host}/web:2` }])]);
      status = await c.kubectlAsync(["rollout", "status", "deployment/site", "--timeout=120s"]);
    } finally {
      stopped = true;
      await traffic;
    }
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(failures, []);
    assert.ok(ok > 10, `only ${ok} requests`);
    assert.deepEqual([...bodies].sort(), ["hello from a real container\n", "v2\n"]);
    const restarts = c.json<{ items: PodJson[] }>(["get", "pods", "-l", "app=site"]).items.map((p) => p.status.containerStatuses?.[0]?.ready);
    assert.ok(restarts.every((r) => r === true), "the exec liveness probe keeps the containers running and the http readiness probe makes them ready");
    c.ok(["delete", "deployment", "site"]);
    c.ok(["delete", "svc", "site"]);
  });

  test("deleting a pod stops and removes its container and sandbox", async () => {
    const id = pod("web").status.containerStatuses![0]!.containerID!.slice("containerd://".length);
    const before = await cri.runtime.containerStatus({ containerId: id });
    assert.equal(before.status?.state, ContainerState.CONTAINER_RUNNING);
    c.ok(["delete", "pod", "web", "--grace-period=5", "--wait=true"]);
    let gone = false;
    await eventually("the container removed", () => {
      void cri.runtime.listContainers({ filter: { id } }).then((r) => (gone = r.containers.length === 0), () => undefined);
      return gone;
    }, 30_000);
  });
});
