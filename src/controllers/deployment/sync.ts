import type { Deployment, ReplicaSet } from "kubernetes-types/apps/v1.js";
import type { Pod } from "kubernetes-types/core/v1.js";
import { selectorFromLabelSelector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import type { Clock } from "../../client/clock.js";
import type { EventRecorder } from "../../client/events.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { DEPLOYMENTS, REPLICASETS } from "../../client/resources.js";
import { claimCandidates, claimChildren } from "../kit/claim.js";
import type { SyncResult } from "../kit/loop.js";
import { controllerOf, splitKey } from "../kit/owner.js";
import { rolloutRecreate } from "./recreate.js";
import { rolloutRolling } from "./rolling.js";
import { Rollout } from "./rollout.js";
import { isScalingEvent, scaleOnly } from "./scale.js";
import type { DeploymentWrites } from "./writes.js";

export interface DeploymentSyncDeps {
  deployments: Informer;
  replicaSets: Informer;
  pods: Informer;
  writes: DeploymentWrites;
  recorder: EventRecorder;
  clock: Clock;
}

/**
 * One sync of a Deployment key — a dispatcher, so the branch names the file to open:
 * gone → nothing; being deleted → status only; paused → scale only (scale.ts); resized → scale only;
 * Recreate → recreate.ts; RollingUpdate → rolling.ts. (Rollback needs no branch: on apps/v1,
 * `kubectl rollout undo` writes the old template back and the rollout proceeds as for any new template.
 * An empty selector needs none either: validation refuses it.)
 */
export class DeploymentSync {
  constructor(private readonly client: RestClient, private readonly deps: DeploymentSyncDeps) {}

  async sync(key: string): Promise<SyncResult> {
    const [namespace, name] = splitKey(key);
    const cached = this.deps.deployments.lister().get(namespace, name);
    if (!cached) return;
    const d = structuredClone(cached) as unknown as Deployment;
    const rsList = await this.claimReplicaSets(d);
    const r = new Rollout({ writes: this.deps.writes, recorder: this.deps.recorder, now: this.deps.clock.now() }, d, rsList, () => this.podsByReplicaSet(d, rsList));

    if (d.metadata?.deletionTimestamp) {
      const { newRS, allRSs } = await r.replicaSets(false);
      await r.syncStatus(allRSs, newRS);
      return;
    }
    await r.checkPaused();
    if (r.d.spec?.paused || (await isScalingEvent(r))) await scaleOnly(r);
    else if (r.d.spec?.strategy?.type === "Recreate") await rolloutRecreate(r);
    else await rolloutRolling(r);
    return r.requeueAfterMs === undefined ? undefined : { requeueAfterMs: r.requeueAfterMs };
  }

  /** The ReplicaSets this Deployment controls, after adopting orphans and releasing misfits. */
  private async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const owner = d as unknown as KubeObject;
    const selector = selectorFromLabelSelector(d.spec?.selector);
    const mine = await claimChildren(this.client, { object: owner, apiVersion: "apps/v1", kind: "Deployment", resource: DEPLOYMENTS, selector }, REPLICASETS, claimCandidates(this.deps.replicaSets, owner));
    return mine as unknown as ReplicaSet[];
  }

  /** Pods of each claimed ReplicaSet that the Deployment's selector matches, by ReplicaSet uid. */
  private podsByReplicaSet(d: Deployment, rsList: ReplicaSet[]): Map<string, Pod[]> {
    const selector = selectorFromLabelSelector(d.spec?.selector);
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) {
      const uid = rs.metadata?.uid ?? "";
      const pods = this.deps.pods.lister().byIndex("owner", uid).filter((p) => controllerOf(p)?.uid === uid && selector?.matches(p.metadata.labels) === true);
      map.set(uid, pods as unknown as Pod[]);
    }
    return map;
  }
}
