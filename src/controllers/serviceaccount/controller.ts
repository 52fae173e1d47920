import { isNotFound, isStatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { NAMESPACES, SERVICEACCOUNTS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";

/** The ServiceAccounts every active namespace holds (kube-controller-manager's default list). */
export const DEFAULT_SERVICE_ACCOUNTS = ["default"];

/**
 * Upstream's ServiceAccounts controller: every active namespace has a `default` ServiceAccount, created
 * when the namespace appears and again when someone deletes it. Namespaces being terminated are left alone.
 */
export class ServiceAccountsController {
  private readonly namespaces: Informer;
  private readonly accounts: Informer;
  private readonly loop: ReconcileLoop;

  constructor(private readonly client: RestClient, opts: { informers: SharedInformers; names?: string[]; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void }) {
    const names = opts.names ?? DEFAULT_SERVICE_ACCOUNTS;
    this.namespaces = opts.informers.for(NAMESPACES);
    this.accounts = opts.informers.for(SERVICEACCOUNTS);
    this.loop = new ReconcileLoop({ name: "serviceaccount", workers: 1, sync: (ns) => this.sync(ns, names), clock: opts.clock ?? realClock, metrics: opts.metrics, log: opts.log });
    const onNamespace = (ns: KubeObject) => this.loop.enqueue(ns.metadata.name!);
    this.namespaces.on({ add: onNamespace, update: (_o, n) => onNamespace(n) });
    this.accounts.on({
      delete: (gone) => {
        const sa = deletedObject(gone);
        if (names.includes(sa.metadata.name!) && sa.metadata.namespace) this.loop.enqueue(sa.metadata.namespace);
      },
    });
  }

  private async sync(namespace: string, names: string[]): Promise<SyncResult> {
    const ns = this.namespaces.lister().get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === "Terminating") return;
    for (const name of names) {
      if (this.accounts.lister().get(namespace, name)) continue;
      await this.client.create(SERVICEACCOUNTS, namespace, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } }).catch((err: unknown) => {
        // Already there (the cache lags), or the namespace is gone or going: nothing to retry.
        if (isNotFound(err) || (isStatusError(err) && (err.code === 409 || err.details?.causes?.some((c) => c.reason === "NamespaceTerminating")))) return;
        throw err;
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.namespaces.waitForSync(), this.accounts.waitForSync()]);
    await this.loop.run(signal);
  }
}
