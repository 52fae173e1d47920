import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer } from "../testing.js";

// Each kind's status subresource as upstream's status strategy (pkg/registry/<group>/<kind>/strategy.go,
// PrepareForUpdate): the spec is reset, the metadata a status write sends is kept but for what that
// strategy also resets (deployments: labels; pods: ownerReferences).
type Json = Record<string, unknown>;
const podSpec = { containers: [{ name: "c", image: "nginx" }] };
const template = { metadata: { labels: { app: "a" } }, spec: podSpec };
const selector = { matchLabels: { app: "a" } };
const NS = "/api/v1/namespaces/default";
const OWNER = [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: "u-1" }];

const KINDS: Array<{ kind: string; path: string; body: Json; specChange: Json; status: Json; resetsLabels?: boolean; resetsOwners?: boolean }> = [
  { kind: "Pod", path: `${NS}/pods`, body: { apiVersion: "v1", kind: "Pod", spec: podSpec }, specChange: { activeDeadlineSeconds: 5 }, status: { phase: "Running" }, resetsOwners: true },
  { kind: "Service", path: `${NS}/services`, body: { apiVersion: "v1", kind: "Service", spec: { ports: [{ port: 80 }] } }, specChange: { sessionAffinity: "ClientIP" }, status: { loadBalancer: { ingress: [{ ip: "1.2.3.4" }] } } },
  { kind: "Node", path: "/api/v1/nodes", body: { apiVersion: "v1", kind: "Node", spec: {} }, specChange: { unschedulable: true }, status: { phase: "Running" } },
  { kind: "Namespace", path: "/api/v1/namespaces", body: { apiVersion: "v1", kind: "Namespace" }, specChange: { finalizers: ["example.com/x"] }, status: { phase: "Active" } },
  { kind: "PersistentVolume", path: "/api/v1/persistentvolumes",
    body: { apiVersion: "v1", kind: "PersistentVolume", spec: { accessModes: ["ReadWriteOnce"], capacity: { storage: "1Gi" }, hostPath: { path: "/tmp/x" } } },
    specChange: { persistentVolumeReclaimPolicy: "Delete" }, status: { phase: "Available" } },
  { kind: "PersistentVolumeClaim", path: `${NS}/persistentvolumeclaims`,
    body: { apiVersion: "v1", kind: "PersistentVolumeClaim", spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } },
    specChange: { volumeName: "pv-x" }, status: { phase: "Bound" } },
  { kind: "ReplicationController", path: `${NS}/replicationcontrollers`, body: { apiVersion: "v1", kind: "ReplicationController", spec: { selector: { app: "a" }, template } },
    specChange: { replicas: 7 }, status: { replicas: 2 } },
  { kind: "Deployment", path: "/apis/apps/v1/namespaces/default/deployments", body: { apiVersion: "apps/v1", kind: "Deployment", spec: { selector, template } },
    specChange: { replicas: 7 }, status: { replicas: 2 }, resetsLabels: true },
  { kind: "ReplicaSet", path: "/apis/apps/v1/namespaces/default/replicasets", body: { apiVersion: "apps/v1", kind: "ReplicaSet", spec: { selector, template } },
    specChange: { replicas: 7 }, status: { replicas: 2 } },
  { kind: "StatefulSet", path: "/apis/apps/v1/namespaces/default/statefulsets", body: { apiVersion: "apps/v1", kind: "StatefulSet", spec: { serviceName: "s", selector, template } },
    specChange: { replicas: 7 }, status: { replicas: 2 } },
  { kind: "DaemonSet", path: "/apis/apps/v1/namespaces/default/daemonsets", body: { apiVersion: "apps/v1", kind: "DaemonSet", spec: { selector, template } },
    specChange: { minReadySeconds: 5 }, status: { currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 0 } },
  { kind: "Job", path: "/apis/batch/v1/namespaces/default/jobs",
    body: { apiVersion: "batch/v1", kind: "Job", spec: { template: { ...template, spec: { ...podSpec, restartPolicy: "Never" } } } }, specChange: { parallelism: 5 }, status: { active: 1 } },
  { kind: "CronJob", path: "/apis/batch/v1/namespaces/default/cronjobs",
    body: { apiVersion: "batch/v1", kind: "CronJob", spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { ...template, spec: { ...podSpec, restartPolicy: "Never" } } } } } },
    specChange: { suspend: true }, status: { lastScheduleTime: "2026-01-01T00:00:00Z" } },
];

describe("status strategies", () => {
  let t: Awaited<ReturnType<typeof startTestServer>>;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  for (const k of KINDS) {
    test(`${k.kind}/status keeps annotations${k.resetsLabels ? "" : ", labels"}, finalizers${k.resetsOwners ? "" : " and owner references"} and status, resets the spec`, async () => {
      const name = `s-${k.kind.toLowerCase()}`;
      const created = await t.call("POST", k.path, { ...k.body, metadata: { name, labels: { keep: "1" } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const patch = {
        metadata: { labels: { added: "l" }, annotations: { "example.com/note": "n" }, finalizers: ["example.com/hold"], ownerReferences: OWNER },
        spec: k.specChange, status: k.status,
      };
      const r = await t.call("PATCH", `${k.path}/${name}/status`, patch, { "Content-Type": "application/merge-patch+json" });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const stored = (await t.call("GET", `${k.path}/${name}`)).body as { metadata: Json; spec: Json; status: Json };
      assert.deepEqual(stored.spec, created.body.spec, "spec reset");
      for (const [key, value] of Object.entries(k.status)) assert.deepEqual(stored.status[key], value, `status.${key}`);
      assert.equal((stored.metadata.annotations as Json)["example.com/note"], "n");
      assert.deepEqual(stored.metadata.labels, k.resetsLabels ? { keep: "1" } : { keep: "1", added: "l" });
      assert.deepEqual(stored.metadata.finalizers, ["example.com/hold"]);
      assert.deepEqual(stored.metadata.ownerReferences, k.resetsOwners ? undefined : OWNER);
      assert.equal(stored.metadata.generation, created.body.metadata && (created.body.metadata as Json).generation, "generation unchanged");
    });
  }

  test("Pod/status keeps the QoS class a status write drops", async () => {
    const created = await t.call("POST", `${NS}/pods`, { apiVersion: "v1", kind: "Pod", metadata: { name: "qos" }, spec: podSpec });
    const status = { ...(created.body.status as Json), qosClass: undefined, phase: "Running" };
    const r = await t.call("PUT", `${NS}/pods/qos/status`, { ...created.body, status });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((r.body.status as Json).qosClass, "BestEffort");
  });
});
