import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Container, VolumeMount } from "kubernetes-types/core/v1.js";
import { ContainerConfigError } from "./container-env.js";
import { mountPointsUnder, tmpfsOptions } from "./memory-volume.js";
import { containerMounts, expandSubPathExpr, setUpVolumes } from "./volumes/index.js";

/** Tests of volumes.ts's containerMounts (subPath, subPathExpr) and emptyDir, and memory-volume.ts. */

const container = (...volumeMounts: VolumeMount[]): Container => ({ name: "c", image: "busybox", volumeMounts });
const refusal = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ContainerConfigError, String(err));
    return err.message;
  }
  return assert.fail("not refused");
};

test("setUpVolumes makes emptyDir directories world-writable", () => {
  const podDir = mkdtempSync(join(tmpdir(), "tug-vol-"));
  const volumes = setUpVolumes({ spec: { containers: [], volumes: [{ name: "scratch", emptyDir: {} }] } }, podDir, { configMap: () => undefined, secret: () => undefined, node: { cpu: "1", memory: "1Gi", ephemeralStorage: "1Gi" } }, 0);
  assert.equal(statSync(volumes.get("scratch")!).mode & 0o7777, 0o777);
});

test("containerMounts mounts subPath and subPathExpr inside the volume, making the directory with the volume's mode", () => {
  const vol = mkdtempSync(join(tmpdir(), "tug-vol-"));
  const volumes = new Map([["v", vol]]);
  const [m] = containerMounts(container({ name: "v", mountPath: "/logs", subPathExpr: "$(POD_NAME)/out" }), volumes, { POD_NAME: "web-0" });
  assert.deepEqual(m, { hostPath: join(vol, "web-0/out"), containerPath: "/logs", readOnly: false });
  assert.equal(statSync(join(vol, "web-0")).mode & 0o777, statSync(vol).mode & 0o777);
  const [plain] = containerMounts(container({ name: "v", mountPath: "/data", subPath: "a/b", readOnly: true }), volumes);
  assert.deepEqual(plain, { hostPath: join(vol, "a/b"), containerPath: "/data", readOnly: true });
});

test("containerMounts refuses absolute, '..' and escaping subPaths with the kubelet's messages", () => {
  const vol = mkdtempSync(join(tmpdir(), "tug-vol-"));
  const volumes = new Map([["v", vol]]);
  const mount = (env: Record<string, string>) => containerMounts(container({ name: "v", mountPath: "/m", subPathExpr: "$(P)" }), volumes, env);
  assert.equal(refusal(() => mount({ P: "/tmp" })), "error SubPath `/tmp` must not be an absolute path");
  assert.equal(refusal(() => mount({ P: ".." })), "unable to provision SubPath `..`: must not contain '..'");
  assert.equal(refusal(() => mount({ P: "a/../../b" })), "unable to provision SubPath `a/../../b`: must not contain '..'");
  assert.equal(refusal(() => mount({})), "missing value for P");
  assert.equal(refusal(() => mount({ P: "" })), "missing value for P");
  symlinkSync("/etc", join(vol, "out"));
  assert.equal(refusal(() => mount({ P: "out" })), 'failed to prepare subPath for volumeMount "v" of container "c"');
  mkdirSync(join(vol, "..`ls`.."));
  assert.equal(mount({ P: "..`ls`.." })[0]!.hostPath, join(vol, "..`ls`.."), "a name with dots and backticks is one path element, as upstream");
});

test("containerMounts mounts a file subPath of a configMap-like volume as that file", () => {
  const vol = mkdtempSync(join(tmpdir(), "tug-vol-"));
  writeFileSync(join(vol, "key"), "value");
  const [m] = containerMounts(container({ name: "v", mountPath: "/etc/resolv.conf", subPath: "key" }), new Map([["v", vol]]));
  assert.equal(m!.hostPath, join(vol, "key"));
  assert.ok(statSync(m!.hostPath).isFile());
});

test("expandSubPathExpr expands $(VAR) and $$ and names every missing variable", () => {
  assert.equal(expandSubPathExpr("$(A)-$$(A)-$(B)", { A: "x", B: "y" }), "x-$(A)-y");
  assert.equal(refusal(() => expandSubPathExpr("$(Z)/$(A)/$(M)", { A: "a" })), "missing value for M, Z");
});

test("tmpfsOptions sizes the tmpfs by sizeLimit", () => {
  assert.equal(tmpfsOptions(undefined), "mode=0777");
  assert.equal(tmpfsOptions("64Mi"), "mode=0777,size=67108864");
  assert.equal(tmpfsOptions("1G"), "mode=0777,size=1000000000");
});

test("mountPointsUnder lists the mounts at or under a directory, deepest first, unescaping spaces", () => {
  const info = [
    "22 1 0:21 / /proc rw - proc proc rw",
    "90 29 0:50 / /data/pods/u1/volumes/empty-dir/cache rw - tmpfs tmpfs rw",
    "91 29 0:51 / /data/pods/u1/volumes/empty-dir/a\\040b rw - tmpfs tmpfs rw",
    "92 29 0:52 / /data/pods/u10/x rw - tmpfs tmpfs rw",
  ].join("\n");
  assert.deepEqual(mountPointsUnder(info, "/data/pods/u1"), ["/data/pods/u1/volumes/empty-dir/cache", "/data/pods/u1/volumes/empty-dir/a b"]);
});
