import assert from "node:assert/strict";
import { test } from "node:test";
import type { ContainerSecurity } from "../runtime.js";
import { execArgv, launchArgv, pathMounts, setprivArgv, type LaunchPlan } from "./launch.js";

const tool = (name: string) => `/host/${name}`;
const plan = (over: Partial<LaunchPlan> = {}): LaunchPlan => ({ argv: ["sh", "-c", "id"], cwd: "/", stageDir: "/state/stage", mounts: [], tool, ...over });
const script = (argv: string[]) => argv[argv.indexOf("-c") + 1]!.split(" && ");
const security = (over: Partial<ContainerSecurity> = {}): ContainerSecurity => ({
  uid: 1000, gid: 0, groups: [], capabilities: ["CHOWN", "KILL"], noNewPrivs: false, readOnlyRootFilesystem: false, ...over,
});

test("launchArgv enters the pod's network, UTS and IPC namespaces, then a private mount namespace, and passes argv to bash whole", () => {
  const argv = launchArgv(plan({ namespaces: { netns: "/run/netns/x", uts: "/state/uts/x", ipc: "/state/ipc/x" } }));
  assert.deepEqual(argv.slice(0, 10), ["/host/nsenter", "--net=/run/netns/x", "--uts=/state/uts/x", "--ipc=/state/ipc/x", "--", "/host/unshare", "--mount", "--propagation", "private", "--"]);
  assert.deepEqual(argv.slice(-4), ["bash", "sh", "-c", "id"]);
  assert.equal(launchArgv(plan())[0], "/host/unshare", "a hostNetwork pod's container stays in the host's network");
});

test("launchArgv builds the root as an overlay of the host's with the host's mounts, and pivots into it", () => {
  const steps = script(launchArgv(plan()));
  const m = "/host/mount --no-canonicalize";
  assert.deepEqual(steps.slice(0, 5), [
    `${m} -t tmpfs -o mode=0700 tugboat-stage '/state/stage'`, "cd '/state/stage'", "/host/mkdir lower upper work root", `${m} --bind / lower`,
    `${m} -t overlay tugboat-root -o 'lowerdir=/state/stage/lower,upperdir=/state/stage/upper,workdir=/state/stage/work' root`,
  ]);
  assert.ok(steps.some((s) => s.includes(`${m} --rbind "$p" "root$p"`) && s.includes("'/state/stage'|'/state/stage'/*) continue")), "the host's mounts, but the stage");
  assert.deepEqual(steps.slice(-5, -2), ["cd root", "/host/pivot_root . .", "/host/umount -l ."]);
});

test("launchArgv stages a private tmpfs for /tmp, /var/tmp and /dev/shm and every volume, then places them parents first", () => {
  const steps = script(launchArgv(plan({
    mounts: [
      { hostPath: "/state/pods/u/vol", containerPath: "/tmp/data", readOnly: true, file: false },
      { hostPath: "/state/pods/u/etc-hosts", containerPath: "/etc/hosts", readOnly: false, file: true },
    ],
  })));
  const m = "/host/mount --no-canonicalize";
  assert.ok(steps.includes(`${m} -t tmpfs -o mode=1777,nosuid,nodev tmpfs p0`));
  assert.ok(steps.includes(`${m} --bind '/state/pods/u/vol' v0`));
  assert.ok(steps.includes(`${m} -o remount,bind,ro v0`), "a read-only volume is read-only before it moves");
  assert.ok(!steps.includes(`${m} -o remount,bind,ro v1`));
  const moves = steps.filter((s) => s.includes("--move")).map((s) => s.replace(`${m} --move `, ""));
  assert.deepEqual(moves, ["p0 'root/tmp'", "p1 'root/var/tmp'", "p2 'root/dev/shm'", "v0 'root/tmp/data'", "v1 'root/etc/hosts'"], "by depth, in order within a depth");
  assert.ok(steps.includes("/host/mkdir -p 'root/etc'") && steps.includes("{ [ -e 'root/etc/hosts' ] || /host/touch 'root/etc/hosts'; }"), "a file is mounted over a file");
  assert.deepEqual(steps.slice(-2), ["cd '/'", 'exec "$@"']);
});

test("launchArgv leaves out a private directory a volume is mounted at or above", () => {
  const steps = script(launchArgv(plan({ mounts: [{ hostPath: "/v", containerPath: "/var", readOnly: false, file: false }, { hostPath: "/w", containerPath: "/tmp", readOnly: false, file: false }] })));
  const targets = steps.filter((s) => s.includes("--move")).map((s) => s.split(" ").pop());
  assert.deepEqual(targets, ["'root/var'", "'root/tmp'", "'root/dev/shm'"]);
});

test("launchArgv remounts the root read-only after every mount, then execs through setpriv", () => {
  const steps = script(launchArgv(plan({ cwd: "/work dir", security: security({ readOnlyRootFilesystem: true, noNewPrivs: true }) })));
  assert.deepEqual(steps.slice(-6), [
    "/host/mount --no-canonicalize -o remount,bind,ro root", "cd root", "/host/pivot_root . .", "/host/umount -l .",
    "cd '/work dir'",
    "exec '/host/setpriv' '--reuid' '1000' '--regid' '0' '--clear-groups' '--bounding-set' '-all,+chown,+kill' '--no-new-privs' '--' \"$@\"",
  ]);
  assert.ok(!script(launchArgv(plan({ security: security() }))).some((s) => s.includes("remount,bind,ro root")));
  assert.deepEqual(script(launchArgv(plan({ readyFd: 3 }))).slice(-3), ["echo >&3", "exec 3>&-", 'exec "$@"'], "the runtime hears when the container is set up");
});

test("setprivArgv sets uid, gid, supplementary groups and the bounding set; privileged keeps every capability", () => {
  assert.deepEqual(setprivArgv(security({ uid: 0, gid: 2002, groups: [3000, 4000], capabilities: [] }), tool), [
    "/host/setpriv", "--reuid", "0", "--regid", "2002", "--groups", "3000,4000", "--bounding-set", "-all", "--",
  ]);
  assert.deepEqual(setprivArgv(security({ capabilities: "all" }), tool), ["/host/setpriv", "--reuid", "1000", "--regid", "0", "--clear-groups", "--"]);
});

test("execArgv enters the container's namespaces and user", () => {
  assert.deepEqual(execArgv(42, { podNetwork: true, tool }, ["cat", "/tmp/x"]), ["/host/nsenter", "--target=42", "--net", "--uts", "--ipc", "--mount", "--wd", "--", "cat", "/tmp/x"]);
  assert.deepEqual(execArgv(42, { podNetwork: false, security: security({ capabilities: "all" }), tool }, ["id"]), [
    "/host/nsenter", "--target=42", "--mount", "--wd", "--", "/host/setpriv", "--reuid", "1000", "--regid", "0", "--clear-groups", "--", "id",
  ]);
});

test("pathMounts keeps the PATH directories and command files a private directory would hide, read-only at their own paths", () => {
  const exists = (dir: string) => dir !== "/tmp/gone";
  assert.deepEqual(pathMounts("/tmp/data/busybox/bin:/usr/bin:/tmp/gone:relative", [], exists), [{ hostPath: "/tmp/data/busybox/bin", containerPath: "/tmp/data/busybox/bin", readOnly: true }]);
  assert.deepEqual(pathMounts("/tmp/data/busybox/bin", [{ hostPath: "/v", containerPath: "/tmp", readOnly: false }], exists), [], "a volume at /tmp hides them as the image's would be");
  assert.deepEqual(pathMounts("/usr/bin", [], exists, ["/usr/bin/node", "/tmp/checkout/dist/demo-app.js", "--port", "/tmp/gone"]),
    [{ hostPath: "/tmp/checkout/dist/demo-app.js", containerPath: "/tmp/checkout/dist/demo-app.js", readOnly: true }], "the host files the command names, too");
});
