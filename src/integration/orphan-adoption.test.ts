import { after, before, describe, test } from "node:test";
import type { KubeObject } from "../api/types.js";
import { Informer } from "../client/informer.js";
import { DAEMONSETS, JOBS, PODS, REPLICASETS, STATEFULSETS } from "../client/resources.js";
import type { ResourceRef } from "../client/rest.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

const RCS: ResourceRef = { group: "", version: "v1", resource: "replicationcontrollers", namespaced: true };
const container = { name: "c", image: "demo" };
const template = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({ metadata: { labels }, spec: { containers: [container], ...extra } });

describe("orphan adoption: a matching pod created or relabelled after its controller is adopted", () => {
  let cluster: TestCluster;
  /** For every pod name, the kinds of controller any version of it named. */
  const owners = new Map<string, Set<string>>();
  const stop = new AbortController();
  let watching: Promise<void>;
  before(async () => {
    cluster = await startTestCluster({ nodes: ["sim-1"] });
    const pods = new Informer(cluster.client, { resource: PODS });
    const record = (p: KubeObject) => {
      const ref = p.metadata.ownerReferences?.find((r) => r.controller);
      if (ref) owners.set(p.metadata.name!, new Set([...(owners.get(p.metadata.name!) ?? []), ref.kind]));
    };
    pods.on({ add: record, update: (_o, p) => record(p) });
    watching = pods.run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await watching;
    await cluster.stop();
  });

  const count = async (selector: string) => (await cluster.client.list(PODS, "default", { labelSelector: selector })).items.length;
  const orphan = (name: string, labels: Record<string, string>) => cluster.client.create(PODS, "default", {
    apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { nodeName: "sim-1", restartPolicy: "Never", containers: [container] },
  });
  const adopted = (name: string, kind: string) => eventually(`${name} adopted by a ${kind}`, async () => owners.get(name)?.has(kind));

  // `settled` reads the owner's status once it counts its first pod: the owner's own writes are done, so
  // only the orphan's events can bring it to look again.
  const kinds: Array<{ kind: string; resource: ResourceRef; app: string; orphanName?: string; settled: string; object: (app: string) => Record<string, unknown> }> = [
    { kind: "ReplicaSet", resource: REPLICASETS, app: "rs", settled: "replicas", object: (app) => ({ apiVersion: "apps/v1", kind: "ReplicaSet", spec: { replicas: 1, selector: { matchLabels: { app } }, template: template({ app }) } }) },
    { kind: "ReplicationController", resource: RCS, app: "rc", settled: "replicas", object: (app) => ({ apiVersion: "v1", kind: "ReplicationController", spec: { replicas: 1, selector: { app }, template: template({ app }) } }) },
    { kind: "Job", resource: JOBS, app: "job", settled: "active", object: (app) => ({ apiVersion: "batch/v1", kind: "Job", spec: { manualSelector: true, selector: { matchLabels: { app } }, template: template({ app }, { restartPolicy: "Never" }) } }) },
    { kind: "StatefulSet", resource: STATEFULSETS, app: "sts", settled: "replicas", orphanName: "sts-5", object: (app) => ({ apiVersion: "apps/v1", kind: "StatefulSet", spec: { replicas: 1, serviceName: app, selector: { matchLabels: { app } }, template: template({ app }) } }) },
    { kind: "DaemonSet", resource: DAEMONSETS, app: "ds", settled: "currentNumberScheduled", object: (app) => ({ apiVersion: "apps/v1", kind: "DaemonSet", spec: { selector: { matchLabels: { app } }, template: template({ app }) } }) },
  ];
  for (const k of kinds) {
    test(`${k.kind} adopts a matching orphan pod created after it`, async () => {
      await cluster.client.create(k.resource, "default", { ...k.object(k.app), metadata: { name: k.app } } as KubeObject);
      await eventually(`the ${k.kind}'s first pod`, async () => (await count(`app=${k.app}`)) >= 1);
      await eventually(`the ${k.kind}'s status`, async () => ((await cluster.client.get(k.resource, "default", k.app)).status as Record<string, unknown> | undefined)?.[k.settled] === 1);
      const name = k.orphanName ?? `${k.app}-orphan`;
      await orphan(name, { app: k.app });
      await adopted(name, k.kind);
    });
  }

  test("ReplicaSet adopts an orphan whose labels change to match it", async () => {
    const { client } = cluster;
    await client.create(REPLICASETS, "default", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "relabel" }, spec: { replicas: 1, selector: { matchLabels: { app: "relabel" } }, template: template({ app: "relabel" }) } } as KubeObject);
    await orphan("relabel-orphan", { app: "not-yet" });
    await eventually("the ReplicaSet's pod", async () => (await count("app=relabel")) === 1);
    await client.patch(PODS, "default", "relabel-orphan", "merge", { metadata: { labels: { app: "relabel" } } });
    await adopted("relabel-orphan", "ReplicaSet");
  });

  test("ReplicaSet releases a pod whose labels stop matching, and replaces it", async () => {
    const { client } = cluster;
    await client.create(REPLICASETS, "default", { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "release" }, spec: { replicas: 1, selector: { matchLabels: { app: "release" } }, template: template({ app: "release" }, { nodeName: "sim-1" }) } } as KubeObject);
    const first = await eventually("the ReplicaSet's pod", async () => (await client.list(PODS, "default", { labelSelector: "app=release" })).items[0]);
    await client.patch(PODS, "default", first.metadata.name!, "merge", { metadata: { labels: { app: "released" } } });
    await eventually("the pod released", async () => !(await client.get(PODS, "default", first.metadata.name!)).metadata.ownerReferences?.some((r) => r.controller));
    await eventually("a replacement", async () => (await count("app=release")) === 1);
  });
});
