import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { isAbsolute } from "node:path";
import { Cluster, eventually } from "./harness.js";

interface PodJson {
  status: { containerStatuses?: Array<{ state: { terminated?: { exitCode: number; reason: string } } }> };
}

describe("README's first run: npx tug up --data-dir .tug (a relative data dir)", () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "process"], { relativeDataDir: true });
  });
  after(() => c.stop());

  test("tug up --data-dir .tug: a busybox pod runs and reports its real exit code", async () => {
    assert.ok(isAbsolute(c.dataDir));
    c.ok(["run", "once", "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo hello; exit 3"]);
    const terminated = () => c.json<PodJson>(["get", "pod", "once"]).status.containerStatuses?.[0]?.state.terminated;
    await eventually("once terminated", () => terminated() !== undefined, 30_000);
    assert.deepEqual({ exitCode: terminated()!.exitCode, reason: terminated()!.reason }, { exitCode: 3, reason: "Error" });
    assert.equal(c.ok(["logs", "once"]), "hello\n");
  });
});
