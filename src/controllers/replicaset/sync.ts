import type { Pod } from "kubernetes-types/core/v1.js";
import { formatTime } from "../../api/meta.js";
import type { KubeObject } from "../../api/types.js";
import type { Clock } from "../../client/clock.js";
import type { EventRecorder } from "../../client/events.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { claimCandidates, claimChildren } from "../kit/claim.js";
import type { Expectations } from "../kit/expectations.js";
import type { SyncResult } from "../kit/loop.js";
import { writeStatusIfChanged } from "../kit/status.js";
import { controllerRef, splitKey } from "../kit/owner.js";
import type { ReplicaKind, ReplicaSpec } from "./kind.js";
import { isActive, isAvailable, isReady } from "../kit/pod-state.js";
import { replicaCounts, replicaDiff, victims } from "./plan.js";
import { PodControl, type PodWriteFailure } from "../kit/pod-control.js";
import { PODS } from "../../client/resources.js";


export interface ReplicaSyncDeps {
  kind: ReplicaKind;
  owners: Informer;
  pods: Informer;
  expectations: Expectations;
  recorder: EventRecorder;
  podControl: PodControl;
  clock: Clock;
  log?: (entry: Record<string, unknown>) => void;
}

type Failure = PodWriteFailure;


/**
 * One sync of a ReplicaSet/ReplicationController key: claim the pods (adopt matching orphans, release
 * owned pods that no longer match), create or delete to reach `replicas` unless earlier writes are still
 * unobserved (expectations), then write the status. Writes to pods are patches or creates/deletes of the
 * API; a conflict or failure throws, and the loop retries the key with back-off.
 */
export class ReplicaSync {
  constructor(private readonly client: RestClient, private readonly d: ReplicaSyncDeps) {}

  async sync(key: string): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const owner = this.d.owners.lister().get(namespace, name);
    if (!owner) {
      this.d.expectations.forget(key);
      return;
    }
    const spec = (owner.spec ?? {}) as ReplicaSpec;
    const { kind } = this.d;
    const claimed = await claimChildren(this.client, { object: owner, apiVersion: kind.apiVersion, kind: kind.kind, resource: kind.resource, selector: kind.selector(owner) },
      PODS, claimCandidates(this.d.pods, owner));
    const active = (claimed as unknown as Pod[]).filter(isActive);
    let failure: Failure | undefined;
    if (this.d.expectations.satisfied(key) && !owner.metadata.deletionTimestamp) {
      failure = await this.manage(owner, key, active, spec.replicas ?? 1);
    }
    await this.writeStatus(owner, active, failure);
    if (failure) throw new Error(failure.message);
    const minReady = spec.minReadySeconds ?? 0;
    const now = this.d.clock.now();
    if (minReady > 0 && active.some((p) => isReady(p) && !isAvailable(p, minReady, now))) return { requeueAfterMs: minReady * 1000 };
  }

  private async manage(owner: KubeObject, key: string, active: Pod[], desired: number): Promise<Failure | undefined> {
    const diff = replicaDiff(active.length, desired);
    if (diff > 0) return this.create(owner, key, diff);
    if (diff < 0) return this.remove(owner, key, victims(active, -diff));
    return undefined;
  }

  private create(owner: KubeObject, key: string, count: number): Promise<Failure | undefined> {
    this.d.expectations.expect(key, count, 0);
    const template = ((owner.spec ?? {}) as ReplicaSpec).template ?? {};
    const ref = controllerRef(owner, this.d.kind.apiVersion, this.d.kind.kind);
    const pod = {
      apiVersion: "v1", kind: "Pod",
      metadata: {
        generateName: `${owner.metadata.name}-`, namespace: owner.metadata.namespace,
        labels: template.metadata?.labels, annotations: template.metadata?.annotations, finalizers: template.metadata?.finalizers,
        ownerReferences: [ref],
      },
      spec: template.spec,
    };
    return this.d.podControl.create(owner, key, Array.from({ length: count }, () => pod));
  }

  private remove(owner: KubeObject, key: string, pods: Pod[]): Promise<Failure | undefined> {
    this.d.expectations.expect(key, 0, pods.length);
    return this.d.podControl.delete(owner, key, pods as KubeObject[]);
  }

  private async writeStatus(owner: KubeObject, active: Pod[], failure: Failure | undefined): Promise<void> {
    const spec = (owner.spec ?? {}) as ReplicaSpec;
    const now = this.d.clock.now();
    const old = (owner.status ?? {}) as { conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }> };
    const counts = replicaCounts(active, spec.template?.metadata?.labels ?? {}, spec.minReadySeconds ?? 0, now);
    let conditions = (old.conditions ?? []).filter((c) => c.type !== "ReplicaFailure");
    if (failure) {
      const prev = old.conditions?.find((c) => c.type === "ReplicaFailure");
      conditions = [...conditions, prev && prev.reason === failure.reason && prev.message === failure.message
        ? prev
        : { type: "ReplicaFailure", status: "True", lastTransitionTime: formatTime(now), reason: failure.reason, message: failure.message }];
    }
    const status: Record<string, unknown> = { replicas: counts.replicas };
    if (counts.fullyLabeledReplicas) status.fullyLabeledReplicas = counts.fullyLabeledReplicas;
    if (counts.readyReplicas) status.readyReplicas = counts.readyReplicas;
    if (counts.availableReplicas) status.availableReplicas = counts.availableReplicas;
    status.observedGeneration = owner.metadata.generation;
    if (conditions.length) status.conditions = conditions;
    await writeStatusIfChanged(this.client, this.d.kind, owner, status);
  }
}
