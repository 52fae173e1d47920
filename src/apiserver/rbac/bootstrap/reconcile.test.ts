import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore } from "../../../store/memory.js";
import { ApiServer } from "../../server.js";
import type { ClusterRole, RoleBinding } from "../../../api/rbac/types.js";
import { reconcileBootstrapPolicy } from "./reconcile.js";

const G = "rbac.authorization.k8s.io";

describe("reconcileBootstrapPolicy", () => {
  const store = new MemoryStore();
  let server: ApiServer;
  const roles = () => server.restFor(G, "clusterroles");
  const bindings = () => server.restFor(G, "clusterrolebindings");
  before(async () => {
    server = new ApiServer({ store, log: () => {} });
    await server.listen(0);
  });
  after(async () => {
    await server.close();
    await store.close();
  });

  test("reconcileBootstrapPolicy created the roles and bindings upstream has, annotated for autoupdate", async () => {
    const admin = (await roles().get(undefined, "cluster-admin")) as ClusterRole;
    assert.deepEqual(admin.rules, [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] }]);
    assert.equal(admin.metadata.annotations?.["rbac.authorization.kubernetes.io/autoupdate"], "true");
    assert.equal(admin.metadata.labels?.["kubernetes.io/bootstrapping"], "rbac-defaults");
    const edit = (await roles().get(undefined, "edit")) as ClusterRole;
    assert.deepEqual(edit.aggregationRule, { clusterRoleSelectors: [{ matchLabels: { "rbac.authorization.k8s.io/aggregate-to-edit": "true" } }] });
    assert.equal(edit.metadata.labels?.["rbac.authorization.k8s.io/aggregate-to-admin"], "true");
    const piv = (await bindings().get(undefined, "system:public-info-viewer")) as RoleBinding;
    assert.deepEqual(piv.subjects?.map((s) => s.name), ["system:authenticated", "system:unauthenticated"]);
    assert.deepEqual(((await bindings().get(undefined, "cluster-admin")) as RoleBinding).subjects, [{ kind: "Group", apiGroup: G, name: "system:masters" }]);
    assert.deepEqual(((await bindings().get(undefined, "system:controller:replicaset-controller")) as RoleBinding).subjects,
      [{ kind: "ServiceAccount", name: "replicaset-controller", namespace: "kube-system" }, { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:kube-controller-manager" }]);
    assert.ok(((await roles().get(undefined, "system:controller:replicaset-controller")) as ClusterRole).rules!.some((r) => r.resources?.includes("pods") && r.verbs.includes("create")));
  });

  test("reconcileBootstrapPolicy adds what is missing, keeps user additions and leaves autoupdate=false alone", async () => {
    const discovery = (await roles().get(undefined, "system:discovery")) as ClusterRole;
    await roles().update(undefined, "system:discovery", { ...discovery, rules: [{ verbs: ["get"], nonResourceURLs: ["/custom"] }] });
    const basic = (await bindings().get(undefined, "system:basic-user")) as RoleBinding;
    await bindings().update(undefined, "system:basic-user", { ...basic, subjects: [{ kind: "User", apiGroup: G, name: "extra" }] });
    const monitoring = (await roles().get(undefined, "system:monitoring")) as ClusterRole;
    monitoring.metadata.annotations = { "rbac.authorization.kubernetes.io/autoupdate": "false" };
    await roles().update(undefined, "system:monitoring", { ...monitoring, rules: [] });

    const result = await reconcileBootstrapPolicy(roles(), bindings());
    assert.deepEqual(result.updated.sort(), ["clusterrolebindings/system:basic-user", "clusterroles/system:discovery"]);
    assert.deepEqual(result.protected, ["clusterroles/system:monitoring"]);
    const urls = ((await roles().get(undefined, "system:discovery")) as ClusterRole).rules!.flatMap((r) => r.nonResourceURLs ?? []);
    assert.ok(urls.includes("/custom") && urls.includes("/version") && urls.includes("/apis/*"), urls.join(" "));
    assert.deepEqual(((await bindings().get(undefined, "system:basic-user")) as RoleBinding).subjects!.map((s) => s.name), ["extra", "system:authenticated"]);
    assert.deepEqual(((await roles().get(undefined, "system:monitoring")) as ClusterRole).rules, []);
    assert.deepEqual((await reconcileBootstrapPolicy(roles(), bindings())).updated, []);
  });

  test("reconcileBootstrapPolicy recreates a bootstrap binding whose roleRef was replaced", async () => {
    await bindings().removeNow(undefined, "system:kube-dns");
    await bindings().create(undefined, { metadata: { name: "system:kube-dns" }, roleRef: { apiGroup: G, kind: "ClusterRole", name: "view" }, subjects: [] } as never);
    await reconcileBootstrapPolicy(roles(), bindings());
    assert.equal(((await bindings().get(undefined, "system:kube-dns")) as RoleBinding).roleRef.name, "system:kube-dns");
  });
});
