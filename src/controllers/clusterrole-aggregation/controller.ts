import { isNotFound } from "../../api/errors.js";
import type { ClusterRole } from "../../api/rbac/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { CLUSTERROLES } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { aggregatedRules, sameRules } from "./aggregate.js";

/**
 * Upstream's clusterrole-aggregation controller: a ClusterRole with an aggregationRule holds the union of
 * the rules of the ClusterRoles its selectors match (so `admin`, `edit` and `view` pick up what CRDs'
 * `aggregate-to-*` roles add). Any ClusterRole change requeues every aggregated role; the write is a merge
 * patch of `rules` with the resourceVersion read, so a stale cache is a conflict, retried.
 */
export class ClusterRoleAggregationController {
  private readonly roles: Informer;
  private readonly loop: ReconcileLoop;

  constructor(private readonly client: RestClient, opts: { informers: SharedInformers; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void }) {
    this.roles = opts.informers.for(CLUSTERROLES);
    this.loop = new ReconcileLoop({ name: "clusterrole-aggregation", workers: 1, sync: (name) => this.sync(name), clock: opts.clock ?? realClock, metrics: opts.metrics, log: opts.log });
    const requeueAggregated = () => {
      for (const r of this.roles.lister().list() as ClusterRole[]) if (r.aggregationRule) this.loop.enqueue(r.metadata.name!);
    };
    this.roles.on({ add: requeueAggregated, update: requeueAggregated, delete: requeueAggregated });
  }

  private async sync(name: string): Promise<SyncResult> {
    const role = this.roles.lister().get(undefined, name) as ClusterRole | undefined;
    if (!role) return;
    const rules = aggregatedRules(role, this.roles.lister().list() as ClusterRole[]);
    if (rules === undefined || sameRules(rules, role.rules)) return;
    await this.client.patch(CLUSTERROLES, undefined, name, "merge", { metadata: { resourceVersion: role.metadata.resourceVersion }, rules }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.roles.waitForSync();
    await this.loop.run(signal);
  }
}
