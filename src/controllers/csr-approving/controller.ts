import { isNotFound, isStatusError } from "../../api/errors.js";
import { readCertificateRequest } from "../../api/pki/certificates.js";
import { KUBELET_SERVING, NODE_USER_PREFIX } from "../../api/pki/signers.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import type { Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { CERTIFICATESIGNINGREQUESTS, NODES } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { recognizeNodeClient, SERVING_APPROVED_MESSAGE, servingApproval, type CsrSpec } from "./recognize.js";

type Condition = { type?: string; status?: string };
type Csr = KubeObject & { spec?: CsrSpec & { request?: string }; status?: { conditions?: Condition[]; certificate?: string } };

const decided = (csr: Csr) => Boolean(csr.status?.certificate) || (csr.status?.conditions ?? []).some((c) => c.type === "Approved" || c.type === "Denied");

/**
 * kube-controller-manager's csrapproving controller: node client requests are approved when their
 * requester holds the permission a recognizer names ({@link recognizeNodeClient}; asked with a
 * SubjectAccessReview, so RBAC — the bindings kubeadm and `tug up` make for bootstrap tokens and nodes —
 * decides), and kubelet-serving requests by Tugboat's own policy ({@link servingApproval}, which reads the
 * Node; a Node's change looks again at its pending requests). The Approved condition (reason AutoApproved)
 * is written through /approval; a 409 or 404 is left to the next event. Anything else is left pending.
 */
export class CsrApprovingController {
  private readonly csrs: Informer;
  private readonly nodes: Informer;
  private readonly loop: ReconcileLoop;
  private readonly clock: Clock;

  constructor(private readonly client: RestClient, opts: { informers: SharedInformers; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void }) {
    this.clock = opts.clock ?? realClock;
    this.csrs = opts.informers.for(CERTIFICATESIGNINGREQUESTS);
    this.nodes = opts.informers.for(NODES);
    this.loop = new ReconcileLoop({ name: "csrapproving", workers: 1, sync: (name) => this.sync(name), clock: this.clock, metrics: opts.metrics, log: opts.log });
    const enqueue = (csr: Csr) => this.loop.enqueue(csr.metadata.name!);
    this.csrs.on({ add: enqueue, update: (_o, n) => enqueue(n) });
    const pendingServingOf = (node: KubeObject) => {
      for (const csr of this.csrs.lister().list() as Csr[]) {
        if (csr.spec?.signerName === KUBELET_SERVING && csr.spec.username === `${NODE_USER_PREFIX}${node.metadata.name}` && !decided(csr)) enqueue(csr);
      }
    };
    this.nodes.on({ add: pendingServingOf, update: (_o, n) => pendingServingOf(n) });
  }

  private async sync(name: string): Promise<SyncResult> {
    const csr = this.csrs.lister().get(undefined, name) as Csr | undefined;
    if (!csr?.spec || decided(csr)) return;
    let request;
    try {
      request = await readCertificateRequest(Buffer.from(csr.spec.request ?? "", "base64").toString("utf8"));
    } catch {
      return; // Not a request anyone could approve; the signer fails it if an admin does.
    }
    if (csr.spec.signerName === KUBELET_SERVING) {
      const node = this.nodes.lister().get(undefined, request.commonName.slice(NODE_USER_PREFIX.length));
      if (servingApproval(csr.spec, request, node)) await this.approve(csr, SERVING_APPROVED_MESSAGE);
      return;
    }
    const tried: string[] = [];
    for (const r of recognizeNodeClient(csr.spec, request)) {
      tried.push(r.subresource);
      if (await this.allowed(csr.spec, r.subresource)) return this.approve(csr, r.message);
    }
    // Upstream's IgnorableError: said, not retried.
    if (tried.length > 0) throw new Error(`recognized csr "${name}" as [${tried.join(" ")}] but subject access review was not approved`);
  }

  /** Upstream's authorize: may the requester create certificatesigningrequests/<subresource>? */
  private async allowed(spec: CsrSpec, subresource: string): Promise<boolean> {
    const review = await this.client.request<{ status?: { allowed?: boolean } }>("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      body: {
        apiVersion: "authorization.k8s.io/v1", kind: "SubjectAccessReview",
        spec: {
          user: spec.username, uid: spec.uid, groups: spec.groups, extra: spec.extra,
          resourceAttributes: { group: "certificates.k8s.io", resource: "certificatesigningrequests", verb: "create", subresource, version: "*" },
        },
      },
    });
    return review.status?.allowed === true;
  }

  private async approve(csr: Csr, message: string): Promise<void> {
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const conditions = [...(csr.status?.conditions ?? []), { type: "Approved", status: "True", reason: "AutoApproved", message, lastUpdateTime: now, lastTransitionTime: now }];
    await this.client.update(CERTIFICATESIGNINGREQUESTS, { ...csr, status: { ...csr.status, conditions } } as KubeObject, "approval").catch((err: unknown) => {
      if (isNotFound(err) || (isStatusError(err) && err.code === 409)) return;
      throw err;
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.csrs.waitForSync(), this.nodes.waitForSync()]);
    await this.loop.run(signal);
  }
}
