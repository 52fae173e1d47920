import { isNotFound, isStatusError } from "../../api/errors.js";
import { BOOTSTRAP_TOKEN_NAMESPACE, BOOTSTRAP_TOKEN_SECRET_TYPE, tokenExpiration } from "../../api/bootstrap-token.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { SECRETS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";

const isBootstrapToken = (s: KubeObject) => s.metadata.namespace === BOOTSTRAP_TOKEN_NAMESPACE && (s as { type?: string }).type === BOOTSTRAP_TOKEN_SECRET_TYPE;

/**
 * Upstream's tokencleaner controller (kubeadm runs it: --controllers=*,tokencleaner): a bootstrap token
 * Secret in kube-system whose expiration has passed (or doesn't parse) is deleted, with its uid as the
 * precondition; one that expires later is looked at again then. A 404 or 409 (gone or replaced
 * meanwhile) is nothing to do.
 */
export class TokenCleaner {
  private readonly secrets: Informer;
  private readonly loop: ReconcileLoop;
  private readonly clock: Clock;

  constructor(private readonly client: RestClient, opts: { informers: SharedInformers; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void }) {
    this.clock = opts.clock ?? realClock;
    this.secrets = opts.informers.for(SECRETS);
    this.loop = new ReconcileLoop({ name: "tokencleaner", workers: 1, sync: (key) => this.sync(key), clock: this.clock, metrics: opts.metrics, log: opts.log });
    const enqueue = (s: KubeObject) => {
      if (isBootstrapToken(s)) this.loop.enqueue(s.metadata.name!);
    };
    this.secrets.on({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  private async sync(name: string): Promise<SyncResult> {
    const secret = this.secrets.lister().get(BOOTSTRAP_TOKEN_NAMESPACE, name);
    if (!secret || !isBootstrapToken(secret)) return;
    const { expired, ttlMs } = tokenExpiration(secret, this.clock.now());
    if (!expired) return ttlMs === undefined ? undefined : { requeueAfterMs: ttlMs };
    await this.client.delete(SECRETS, BOOTSTRAP_TOKEN_NAMESPACE, name, { preconditions: { uid: secret.metadata.uid } }).catch((err: unknown) => {
      if (isNotFound(err) || (isStatusError(err) && err.code === 409)) return;
      throw err;
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.secrets.waitForSync();
    await this.loop.run(signal);
  }
}
