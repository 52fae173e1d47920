import assert from "node:assert/strict";
import { test } from "node:test";
import { formatMicroTime } from "../api/meta.js";
import { MemoryStore } from "../store/memory.js";
import { apiServerIdentity, IDENTITY_LEASE_LABEL, KUBE_APISERVER } from "./identity-lease.js";
import { ApiServer } from "./server.js";

type Lease = { metadata: { name: string; labels: Record<string, string> }; spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string } };

test("apiServerIdentity names the Lease as kube-apiserver 1.32 does: apiserver- and 26 base32 characters of the hash of host and component", () => {
  const id = apiServerIdentity("node-1");
  // sha256(\x00\x06 "node-1" \x00\x0e "kube-apiserver")[:16], base32 without padding, lower case (computed apart, with Python's hashlib and base64).
  assert.equal(id, "apiserver-lgabes5ywnaqeagh5dny4zlzs4");
  assert.equal(apiServerIdentity("node-1"), id, "stable across restarts on one host");
  assert.notEqual(apiServerIdentity("node-2"), id);
});

test("ApiServer keeps an identity Lease in kube-system per host, and collects identity Leases that expired", async () => {
  const store = new MemoryStore();
  const a = new ApiServer({ store, hostname: "cp-1", log: () => {} });
  const port = await a.listen(0);
  const base = `http://127.0.0.1:${port}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases`;
  const list = async () => (await (await fetch(`${base}?labelSelector=${encodeURIComponent(`${IDENTITY_LEASE_LABEL}=${KUBE_APISERVER}`)}`)).json() as { items: Lease[] }).items;
  const leases = await list();
  assert.deepEqual(leases.map((l) => l.metadata.name), [apiServerIdentity("cp-1")]);
  const lease = leases[0]!;
  assert.equal(lease.metadata.labels["kubernetes.io/hostname"], "cp-1");
  assert.match(lease.spec.holderIdentity, new RegExp(`^${apiServerIdentity("cp-1")}_[0-9a-f-]{36}$`));
  assert.equal(lease.spec.leaseDurationSeconds, 3600);
  // One that stopped renewing two hours ago (another host's), and an unlabelled one as old.
  const stale = (name: string, labels: Record<string, string>) => ({
    apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name, labels },
    spec: { holderIdentity: name, leaseDurationSeconds: 3600, renewTime: formatMicroTime(Date.now() - 2 * 3600_000) },
  });
  for (const body of [stale("apiserver-gone", { [IDENTITY_LEASE_LABEL]: KUBE_APISERVER }), stale("not-identity", {})]) {
    assert.equal((await fetch(base, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })).status, 201);
  }
  await a.close();
  const b = new ApiServer({ store, hostname: "cp-2", log: () => {} });
  const portB = await b.listen(0);
  const after = `http://127.0.0.1:${portB}/apis/coordination.k8s.io/v1/namespaces/kube-system/leases`;
  const names = ((await (await fetch(after)).json()) as { items: Lease[] }).items.map((l) => l.metadata.name).sort();
  assert.deepEqual(names, [apiServerIdentity("cp-1"), apiServerIdentity("cp-2"), "not-identity"].sort(), "the expired identity Lease is collected at start-up; the fresh one and the unlabelled one stay");
  await b.close();
  await store.close();
});
