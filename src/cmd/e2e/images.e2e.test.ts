import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { criClient, type CriClient } from "../../node/runtime/containerd/cri-client.js";
import { busyboxImage, containerdSkipReason, registrySkipReason, startRegistry, type TestRegistry } from "../../node/runtime/containerd/testing.js";
import { Cluster, eventually, kubectlAvailable } from "./harness.js";

interface PodJson {
  status: {
    phase: string;
    containerStatuses?: Array<{ restartCount: number; ready: boolean; state: { waiting?: { reason: string; message?: string }; running?: object } }>;
  };
}

interface EventJson {
  reason: string;
  message: string;
  type: string;
  involvedObject: { kind: string; name: string };
}

const skip = containerdSkipReason() ?? registrySkipReason() ?? (kubectlAvailable() ? undefined : "no kubectl on PATH");

/**
 * The kubelet's image handling on `tug up --runtime containerd`: upstream's pull events, pull policy
 * Never, the Node's status.images, and image garbage collection. The cluster's image GC runs every
 * second with thresholds any disk is over (high 1 %, low 0 %) and no minimum age, so every image no
 * container uses goes at once, and GC always falls short (FreeDiskSpaceFailed, then ImageGCFailed).
 */
describe("tug up --runtime containerd: image pulls, status.images and image GC", { skip }, () => {
  let dir: string;
  let registry: TestRegistry;
  let c: Cluster;
  let cri: CriClient;
  let keep: string;
  let victim: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "tug-images-e2e-"));
    registry = await startRegistry(join(dir, "registry"));
    const httpd = { entrypoint: ["/bin/httpd", "-f", "-p", "80", "-h", "/www"] };
    const kept = await busyboxImage("keep:1", join(dir, "images"), httpd, "kept\n");
    await registry.push(kept, "keep:1");
    await registry.push(kept, "keep:latest");
    await registry.push(await busyboxImage("victim:1", join(dir, "images"), { cmd: ["/bin/true"] }, "collected\n"), "victim:1");
    keep = `${registry.host}/keep:1`;
    victim = `${registry.host}/victim:1`;
    c = await Cluster.start([
      "--runtime", "containerd", "--registry-mirrors", `docker.io=http://${registry.host}`,
      "--image-gc-high-threshold", "1", "--image-gc-low-threshold", "0", "--image-minimum-gc-age", "0s", "--image-gc-period", "1s",
    ]);
    cri = criClient(join(c.dataDir, "nodes", "tug-node-1", "containerd", "containerd.sock"));
  });
  after(async () => {
    cri?.close();
    await c?.stop();
    await registry?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pod = (name: string) => c.json<PodJson>(["get", "pod", name]);
  const events = (kind: string, name: string) => c.json<{ items: EventJson[] }>(["get", "events", "-A"]).items.filter((e) => e.involvedObject.kind === kind && e.involvedObject.name === name);
  const messages = (name: string) => events("Pod", name).map((e) => `${e.type} ${e.reason} ${e.message}`);
  const tags = async () => (await cri.images.listImages({})).images.flatMap((i) => i.repoTags);

  test("a pulled image: Pulling, then Pulled with its duration and size; a second pod finds it already present", async () => {
    c.ok(["run", "keep", `--image=${keep}`]);
    await eventually("keep running", () => pod("keep").status.containerStatuses?.[0]?.ready === true, 60_000, () => c.ok(["describe", "pod", "keep"]));
    const m = messages("keep");
    assert.ok(m.includes(`Normal Pulling Pulling image "${keep}"`), m.join("\n"));
    assert.ok(m.some((s) => new RegExp(`^Normal Pulled Successfully pulled image "${keep.replace(/\./g, "\\.")}" in (\\d+ms|[\\d.]+s) \\(\\1 including waiting\\)\\. Image size: [1-9]\\d* bytes\\.$`).test(s)), m.join("\n"));

    c.ok(["run", "again", `--image=${keep}`]);
    await eventually("again running", () => pod("again").status.containerStatuses?.[0]?.ready === true, 60_000, () => c.ok(["describe", "pod", "again"]));
    const again = messages("again");
    assert.ok(again.includes(`Normal Pulled Container image "${keep}" already present on machine`), again.join("\n"));
    assert.ok(!again.some((s) => s.startsWith("Normal Pulling")), again.join("\n"));
  });

  test("an image without a tag defaults to imagePullPolicy Always: pulled again for the next pod although present", async () => {
    const untagged = `${registry.host}/keep`;
    for (const name of ["latest-1", "latest-2"]) {
      c.ok(["run", name, `--image=${untagged}`]);
      await eventually(`${name} running`, () => pod(name).status.containerStatuses?.[0]?.ready === true, 60_000, () => c.ok(["describe", "pod", name]));
    }
    assert.equal(c.ok(["get", "pod", "latest-2", "-o", "jsonpath={.spec.containers[0].imagePullPolicy}"]), "Always");
    const m = messages("latest-2");
    assert.ok(m.includes(`Normal Pulling Pulling image "${untagged}"`), m.join("\n"));
    assert.ok(!m.some((s) => s.includes("already present")), m.join("\n"));
  });

  test("imagePullPolicy Never with an image not on the node: ErrImageNeverPull", async () => {
    const image = `${registry.host}/victim:absent`;
    c.ok(["run", "never", `--image=${image}`, "--image-pull-policy=Never"]);
    const message = `Container image "${image}" is not present with pull policy of Never`;
    await eventually("never waiting in ErrImageNeverPull", () => {
      const waiting = pod("never").status.containerStatuses?.[0]?.state.waiting;
      return waiting?.reason === "ErrImageNeverPull" && waiting.message === message;
    }, 30_000, () => c.ok(["describe", "pod", "never"]));
    const m = messages("never");
    assert.ok(m.includes(`Warning ErrImageNeverPull ${message}`), m.join("\n"));
    assert.ok(m.includes("Warning Failed Error: ErrImageNeverPull"), m.join("\n"));
    assert.ok(!m.some((s) => s.includes("Pulling")), m.join("\n"));
  });

  test("image GC removes an image no container uses, keeps those of running pods and the sandbox image, and reports it fell short", async () => {
    c.ok(["run", "victim", `--image=${victim}`, "--restart=Never"]);
    await eventually("victim Succeeded", () => pod("victim").status.phase === "Succeeded", 60_000, () => c.ok(["describe", "pod", "victim"]));
    c.ok(["delete", "pod", "victim", "--wait=true"]);
    let now: string[];
    const deadline = Date.now() + 30_000;
    for (;;) {
      now = await tags();
      if (!now.includes(victim) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(!now.includes(victim), `victim:1 still present: ${now.join(", ")}`);
    assert.ok(now.includes(keep), `keep:1 gone: ${now.join(", ")}`);
    assert.ok(now.includes("tugboat.local/pause:1"), `the sandbox image gone: ${now.join(", ")}`);
    const p = pod("keep").status.containerStatuses?.[0];
    assert.equal(p?.restartCount, 0);
    assert.ok(p?.state.running, "keep still running");

    await eventually("FreeDiskSpaceFailed and ImageGCFailed on the node", () => {
      const reasons = events("Node", "tug-node-1").map((e) => e.reason);
      return reasons.includes("FreeDiskSpaceFailed") && reasons.includes("ImageGCFailed");
    }, 15_000);
    const failed = events("Node", "tug-node-1").find((e) => e.reason === "FreeDiskSpaceFailed")!;
    assert.equal(failed.type, "Warning");
    assert.match(failed.message, /^Failed to garbage collect required amount of images\. Attempted to free \d+ bytes, but only found \d+ bytes eligible to free\.$/);
  });

  test("the Node's status.images lists the node's images, largest first, by digest and tag, without the collected one", async () => {
    type NodeImages = Array<{ names: string[]; sizeBytes: number }>;
    let images: NodeImages = [];
    await eventually("status.images without victim:1", () => {
      images = JSON.parse(c.ok(["get", "node", "tug-node-1", "-o", "jsonpath={.status.images}"]) || "[]") as NodeImages;
      const names = images.flatMap((i) => i.names);
      return names.includes(keep) && !names.includes(victim);
    }, 30_000, () => JSON.stringify(images));
    const kept = images.find((i) => i.names.includes(keep))!;
    assert.ok(kept.sizeBytes > 0);
    // Digests first, then tags (upstream's order).
    assert.match(kept.names[0]!, new RegExp(`^${registry.host.replace(/\./g, "\\.")}/keep@sha256:[0-9a-f]{64}$`));
    const firstTag = kept.names.findIndex((n) => !n.includes("@"));
    assert.ok(firstTag > 0 && kept.names.slice(firstTag).every((n) => !n.includes("@")), kept.names.join(", "));
    assert.deepEqual(kept.names.slice(firstTag).sort(), [keep, `${registry.host}/keep:latest`]);
    assert.ok(images.some((i) => i.names.includes("tugboat.local/pause:1")));
    const sizes = images.map((i) => i.sizeBytes);
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
  });
});
