import assert from "node:assert/strict";
import { test } from "node:test";
import type { Container, Pod, PodSecurityContext, SecurityContext } from "kubernetes-types/core/v1.js";
import { ContainerConfigError } from "./container-env.js";
import { capabilities, containerSecurity, DEFAULT_CAPABILITIES, imageUser } from "./security-context.js";

const pod = (sc?: PodSecurityContext): Pod => ({ metadata: { name: "p", namespace: "ns", uid: "u-1" }, spec: { securityContext: sc, containers: [] } });
const container = (sc?: SecurityContext): Container => ({ name: "c", image: "busybox", securityContext: sc });

test("containerSecurity runs as root with the default capabilities when nothing is set", () => {
  const s = containerSecurity(pod(), container(), {});
  assert.deepEqual({ ...s, capabilities: undefined }, { uid: 0, gid: 0, groups: [], capabilities: undefined, noNewPrivs: false, readOnlyRootFilesystem: false });
  assert.deepEqual([...(s.capabilities as string[])].sort(), [...DEFAULT_CAPABILITIES].sort());
});

test("containerSecurity: the container's runAsUser and runAsGroup win over the pod's; gid 0 when only runAsUser is set", () => {
  const s = containerSecurity(pod({ runAsUser: 1001, runAsGroup: 2002 }), container({ runAsUser: 3003 }), {});
  assert.deepEqual([s.uid, s.gid], [3003, 2002]);
  assert.deepEqual([containerSecurity(pod(), container({ runAsUser: 65534 }), {}).gid], [0]);
  const fromImage = containerSecurity(pod(), container(), { user: "1000:3000" });
  assert.deepEqual([fromImage.uid, fromImage.gid], [1000, 3000]);
  const overridden = containerSecurity(pod(), container({ runAsUser: 5 }), { user: "1000:3000" });
  assert.deepEqual([overridden.uid, overridden.gid], [5, 0], "the image's gid goes with the image's user");
});

test("containerSecurity: supplementalGroups then fsGroup are supplementary groups", () => {
  assert.deepEqual(containerSecurity(pod({ supplementalGroups: [3000, 4000], fsGroup: 5000 }), container(), {}).groups, [3000, 4000, 5000]);
});

test("containerSecurity: allowPrivilegeEscalation false sets no_new_privs; privileged keeps every capability; readOnlyRootFilesystem", () => {
  const s = containerSecurity(pod(), container({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true }), {});
  assert.equal(s.noNewPrivs, true);
  assert.equal(s.readOnlyRootFilesystem, true);
  assert.equal(containerSecurity(pod(), container({ privileged: true }), {}).capabilities, "all");
  assert.ok(!(containerSecurity(pod(), container({ privileged: false }), {}).capabilities as string[]).includes("NET_ADMIN"));
});

test("containerSecurity refuses a root container under runAsNonRoot with upstream's messages", () => {
  const msg = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      assert.ok(err instanceof ContainerConfigError);
      return err.message;
    }
    assert.fail("not refused");
  };
  assert.equal(msg(() => containerSecurity(pod({ runAsNonRoot: true }), container(), {})), 'container has runAsNonRoot and image will run as root (pod: "p_ns(u-1)", container: c)');
  assert.equal(msg(() => containerSecurity(pod(), container({ runAsNonRoot: true, runAsUser: 0 }), {})), 'container\'s runAsUser breaks non-root policy (pod: "p_ns(u-1)", container: c)');
  assert.equal(msg(() => containerSecurity(pod({ runAsNonRoot: true }), container(), { user: "nobody" })), 'container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "p_ns(u-1)", container: c)');
  assert.equal(containerSecurity(pod({ runAsNonRoot: true }), container(), { user: "1000" }).uid, 1000);
  assert.equal(containerSecurity(pod({ runAsNonRoot: true, runAsUser: 1000 }), container(), {}).uid, 1000);
  assert.equal(containerSecurity(pod({ runAsNonRoot: true }), container({ runAsNonRoot: false }), {}).uid, 0, "the container's runAsNonRoot wins");
});

test("capabilities adds and drops as containerd does: ALL first, then names", () => {
  assert.ok(capabilities(["NET_ADMIN"]).includes("NET_ADMIN"));
  assert.ok(!capabilities([], ["chown"]).includes("CHOWN"));
  assert.deepEqual(capabilities(["NET_BIND_SERVICE"], ["ALL"]), ["NET_BIND_SERVICE"]);
  assert.equal(capabilities(["ALL"], ["SYS_ADMIN"]).length, 40);
  assert.deepEqual(capabilities(["NOT_A_CAP"]), capabilities());
});

test("imageUser reads uid, uid:gid, or a name", () => {
  assert.deepEqual(imageUser(undefined), { uid: 0 });
  assert.deepEqual(imageUser("1000"), { uid: 1000, gid: undefined });
  assert.deepEqual(imageUser("1000:2000"), { uid: 1000, gid: 2000 });
  assert.deepEqual(imageUser("nginx"), { name: "nginx" });
});
