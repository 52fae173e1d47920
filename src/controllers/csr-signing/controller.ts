import { isNotFound, isStatusError } from "../../api/errors.js";
import type { CertificateAndKey } from "../../api/pki/certificates.js";
import { realClock, type Clock } from "../../client/clock.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { CERTIFICATESIGNINGREQUESTS } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { decideSigning, type Csr } from "./sign.js";

/**
 * kube-controller-manager's csrsigning controller for `kubernetes.io/kube-apiserver-client`, `…-client-kubelet` and `kubelet-serving`
 * (--cluster-signing-cert-file/--cluster-signing-key-file: the cluster CA). Each CSR's key is its name;
 * the sync reads it from the informer, decides with {@link decideSigning} and writes the certificate or
 * the Failed condition through /status. A 409 (the CSR changed meanwhile) or 404 (gone) is left to the
 * next event.
 */
export class CsrSigningController {
  private readonly csrs: Informer;
  private readonly loop: ReconcileLoop;
  private readonly clock: Clock;

  constructor(private readonly client: RestClient, private readonly ca: CertificateAndKey, opts: { informers: SharedInformers; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void; maxDurationMs?: number }) {
    this.clock = opts.clock ?? realClock;
    this.csrs = opts.informers.for(CERTIFICATESIGNINGREQUESTS);
    this.maxDurationMs = opts.maxDurationMs;
    this.loop = new ReconcileLoop({ name: "csrsigning", workers: 1, sync: (name) => this.sync(name), clock: this.clock, metrics: opts.metrics, log: opts.log });
    const enqueue = (csr: Csr) => this.loop.enqueue(csr.metadata.name!);
    this.csrs.on({ add: enqueue, update: (_o, n) => enqueue(n) });
  }

  private readonly maxDurationMs: number | undefined;

  private async sync(name: string): Promise<SyncResult> {
    const csr = this.csrs.lister().get(undefined, name) as Csr | undefined;
    if (!csr) return;
    const decision = await decideSigning(csr, this.ca, this.clock.now(), this.maxDurationMs);
    if (decision.action === "none") return;
    const status = { ...csr.status };
    if (decision.action === "issue") status.certificate = Buffer.from(decision.certificate).toString("base64");
    else {
      const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
      status.conditions = [...(status.conditions ?? []), { type: "Failed", status: "True", reason: decision.reason, message: decision.message, lastUpdateTime: now, lastTransitionTime: now } as never];
    }
    await this.client.update(CERTIFICATESIGNINGREQUESTS, { ...csr, status }, "status").catch((err: unknown) => {
      if (isNotFound(err) || (isStatusError(err) && err.code === 409)) return;
      throw err;
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await this.csrs.waitForSync();
    await this.loop.run(signal);
  }
}
