import { isNotFound, isStatusError } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { CONFIGMAPS, NAMESPACES } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ignoreGone } from "../kit/errors.js";
import { ReconcileLoop, type SyncResult } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";

/** The ConfigMap every namespace gets, as upstream names it. */
export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";
export const DESCRIPTION_ANNOTATION = "kubernetes.io/description";
export const DESCRIPTION =
  "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. " +
  "No other usage is guaranteed across distributions of Kubernetes clusters.";

type ConfigMap = KubeObject & { data?: Record<string, string> };

/**
 * What the namespace's kube-root-ca.crt must become: "create", an updated copy of `current`, or undefined
 * when it already holds exactly the CA (and its description annotation).
 */
export function planRootCA(current: ConfigMap | undefined, namespace: string, ca: string): "create" | ConfigMap | undefined {
  if (!current) return "create";
  const data = current.data ?? {};
  const keys = Object.keys(data);
  if (keys.length === 1 && data["ca.crt"] === ca && current.metadata.annotations?.[DESCRIPTION_ANNOTATION]) return undefined;
  return {
    ...current,
    metadata: { ...current.metadata, namespace, annotations: { ...current.metadata.annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
    data: { "ca.crt": ca },
  };
}

/**
 * Upstream's root-CA certificate publisher: every namespace holds a ConfigMap kube-root-ca.crt with the
 * cluster CA under ca.crt, so pods can verify the API server; it is recreated when deleted and put back
 * when changed. A namespace that is gone or being terminated is left alone.
 */
export class RootCAPublisher {
  private readonly namespaces: Informer;
  private readonly configMaps: Informer;
  private readonly loop: ReconcileLoop;

  constructor(private readonly client: RestClient, private readonly ca: string, opts: { informers: SharedInformers; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void }) {
    const clock = opts.clock ?? realClock;
    this.namespaces = opts.informers.for(NAMESPACES);
    this.configMaps = opts.informers.for(CONFIGMAPS);
    this.loop = new ReconcileLoop({ name: "root-ca-cert-publisher", workers: 1, sync: (ns) => this.sync(ns), clock, metrics: opts.metrics, log: opts.log });
    const onNamespace = (ns: KubeObject) => this.loop.enqueue(ns.metadata.name!);
    this.namespaces.on({ add: onNamespace, update: (_o, n) => onNamespace(n) });
    const onConfigMap = (cm: KubeObject) => {
      if (cm.metadata.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace) this.loop.enqueue(cm.metadata.namespace);
    };
    this.configMaps.on({ update: (_o, n) => onConfigMap(n), delete: (gone) => onConfigMap(deletedObject(gone)) });
  }

  private async sync(namespace: string): Promise<SyncResult> {
    const ns = this.namespaces.lister().get(undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const plan = planRootCA(this.configMaps.lister().get(namespace, ROOT_CA_CONFIGMAP) as ConfigMap | undefined, namespace, this.ca);
    if (plan === undefined) return;
    if (plan !== "create") {
      await this.client.update(CONFIGMAPS, plan).catch(ignoreGone);
      return;
    }
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: ROOT_CA_CONFIGMAP, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } }, data: { "ca.crt": this.ca } };
    await this.client.create(CONFIGMAPS, namespace, cm).catch((err: unknown) => {
      // Don't retry a create into a namespace that is gone or being terminated; one already there is synced on its event.
      if (isNotFound(err) || (isStatusError(err) && (err.code === 409 || err.details?.causes?.some((c) => c.reason === "NamespaceTerminating")))) return;
      throw err;
    });
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.namespaces.waitForSync(), this.configMaps.waitForSync()]);
    await this.loop.run(signal);
  }
}
