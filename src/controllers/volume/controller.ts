import type { PersistentVolume, PersistentVolumeClaim } from "kubernetes-types/core/v1.js";
import { isAlreadyExists, isNotFound } from "../../api/errors.js";
import { DEFAULT_CLASS_ANNOTATION, LOCAL_PROVISIONER, LOCAL_VOLUME_DIR_ANNOTATION, SELECTED_NODE_ANNOTATION } from "../../api/storage.js";
import type { KubeObject } from "../../api/types.js";
import { realClock, type Clock } from "../../client/clock.js";
import { EventRecorder } from "../../client/events.js";
import { keyOf } from "../../client/indexer.js";
import { deletedObject, type Informer } from "../../client/informer.js";
import type { RestClient } from "../../client/rest.js";
import { NODES, PERSISTENTVOLUMECLAIMS, PERSISTENTVOLUMES, STORAGECLASSES } from "../../client/resources.js";
import type { SharedInformers } from "../../client/shared-informers.js";
import { ignoreGone } from "../kit/errors.js";
import { ReconcileLoop } from "../kit/loop.js";
import type { ControllerMetrics } from "../kit/metrics.js";
import { splitKey } from "../kit/owner.js";
import { matchVolume, provisionedVolume, reservedFor } from "./binding.js";

type Claim = PersistentVolumeClaim & KubeObject;
type Volume = PersistentVolume & KubeObject;
type Json = Record<string, unknown>;

/**
 * Upstream's PersistentVolume controller with a built-in local provisioner: claims get the default
 * StorageClass when they name none; an unbound claim is bound to a volume reserved for it or to a
 * matching Available one, or — for the local provisioner's classes — to a new volume on the node the
 * scheduler selected (WaitForFirstConsumer) or on any node (Immediate). Volumes whose claim is gone are
 * Released and, with reclaimPolicy Delete, deleted.
 */
export class VolumeController {
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly classes: Informer;
  private readonly nodes: Informer;
  private readonly claimLoop: ReconcileLoop;
  private readonly volumeLoop: ReconcileLoop;
  private readonly recorder: EventRecorder;

  constructor(private readonly client: RestClient, opts: { informers: SharedInformers; clock?: Clock; metrics?: ControllerMetrics; log?: (entry: Record<string, unknown>) => void }) {
    const clock = opts.clock ?? realClock;
    this.claims = opts.informers.for(PERSISTENTVOLUMECLAIMS);
    this.volumes = opts.informers.for(PERSISTENTVOLUMES);
    this.classes = opts.informers.for(STORAGECLASSES);
    this.nodes = opts.informers.for(NODES);
    this.recorder = new EventRecorder(client, "persistentvolume-controller", { clock, log: opts.log });
    this.claimLoop = new ReconcileLoop({ name: "persistentvolumeclaim", workers: 2, sync: (k) => this.syncClaim(k), clock, metrics: opts.metrics, log: opts.log });
    this.volumeLoop = new ReconcileLoop({ name: "persistentvolume", workers: 2, sync: (k) => this.syncVolume(k), clock, metrics: opts.metrics, log: opts.log });
    const claimChanged = (c: KubeObject) => this.claimLoop.enqueue(keyOf(c));
    this.claims.on({ add: claimChanged, update: (_o, n) => claimChanged(n), delete: (c) => {
      const claim = deletedObject(c) as Claim;
      if (claim.spec?.volumeName) this.volumeLoop.enqueue(claim.spec.volumeName);
    } });
    const volumeChanged = (v: KubeObject) => {
      this.volumeLoop.enqueue(v.metadata.name!);
      const ref = (v as Volume).spec?.claimRef;
      if (ref?.name) this.claimLoop.enqueue(`${ref.namespace}/${ref.name}`);
    };
    this.volumes.on({ add: volumeChanged, update: (_o, n) => volumeChanged(n), delete: (v) => volumeChanged(deletedObject(v)) });
    const unbound = () => {
      for (const c of this.claims.lister().list()) if (!(c as Claim).spec?.volumeName) claimChanged(c);
    };
    this.classes.on({ add: unbound, update: unbound });
  }

  private defaultClass(): KubeObject | undefined {
    return this.classes.lister().list().filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true")
      .sort((a, b) => (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""))[0];
  }

  private async syncClaim(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const claim = this.claims.lister().get(namespace, name) as Claim | undefined;
    if (!claim || claim.metadata.deletionTimestamp) return;
    const spec = claim.spec ?? {};
    if (spec.storageClassName === undefined || spec.storageClassName === null) {
      const dflt = this.defaultClass();
      if (dflt) await this.client.patch(PERSISTENTVOLUMECLAIMS, namespace, name, "merge", { spec: { storageClassName: dflt.metadata.name }, metadata: { resourceVersion: claim.metadata.resourceVersion } });
      return;
    }
    const all = this.volumes.lister().list() as Volume[];
    if (spec.volumeName) {
      const pv = all.find((v) => v.metadata.name === spec.volumeName);
      if (!pv) {
        if (claim.status?.phase === "Bound") {
          await this.claimStatus(claim, { phase: "Lost" });
          void this.recorder.event(claim, "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
        }
        return;
      }
      if (!pv.spec?.claimRef || reservedFor(pv, claim)) await this.bind(pv, claim);
      return;
    }
    const pv = all.find((v) => reservedFor(v, claim) && !v.metadata.deletionTimestamp) ?? matchVolume(claim, all);
    if (pv) return this.bind(pv as Volume, claim);
    const cls = this.classes.lister().get(undefined, spec.storageClassName) as (KubeObject & Json) | undefined;
    if (!cls || cls.provisioner !== LOCAL_PROVISIONER) {
      const why = spec.storageClassName ? `storageclass.storage.k8s.io "${spec.storageClassName}" not found` : "no persistent volumes available for this claim and no storage class is set";
      if (!cls) void this.recorder.event(claim, "Warning", "ProvisioningFailed", why);
      return;
    }
    const selected = claim.metadata.annotations?.[SELECTED_NODE_ANNOTATION];
    if (cls.volumeBindingMode === "WaitForFirstConsumer" && !selected) {
      void this.recorder.event(claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
      return;
    }
    const node = this.volumeNode(selected);
    if (!node) {
      void this.recorder.event(claim, "Warning", "ProvisioningFailed", selected ? `node "${selected}" has no local volume directory` : "no node with a local volume directory");
      return;
    }
    void this.recorder.event(claim, "Normal", "Provisioning", `External provisioner is provisioning volume for claim "${namespace}/${name}"`);
    try {
      const created = await this.client.create(PERSISTENTVOLUMES, undefined, provisionedVolume(claim, node, String(cls.reclaimPolicy ?? "Delete")) as KubeObject);
      void this.recorder.event(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${created.metadata.name}`);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** The selected node (or, for Immediate binding, the first node) and its local volume directory. */
  private volumeNode(selected: string | undefined): { name: string; volumeDir: string } | undefined {
    const nodes = selected ? [this.nodes.lister().get(undefined, selected)].filter((n): n is KubeObject => !!n) : this.nodes.lister().list();
    for (const n of nodes) {
      const dir = n.metadata.annotations?.[LOCAL_VOLUME_DIR_ANNOTATION];
      if (dir) return { name: n.metadata.name!, volumeDir: dir };
    }
    return undefined;
  }

  /** Binds both ways, as upstream: the volume's claimRef and phase, then the claim's volumeName, annotations and phase. */
  private async bind(pv: Volume, claim: Claim): Promise<void> {
    const m = claim.metadata;
    let volume = pv;
    if (!reservedFor(pv, claim) || !pv.spec?.claimRef?.uid) {
      volume = await this.client.patch(PERSISTENTVOLUMES, undefined, pv.metadata.name!, "merge", {
        metadata: { resourceVersion: pv.metadata.resourceVersion },
        spec: { claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: m.namespace, name: m.name, uid: m.uid, resourceVersion: m.resourceVersion } },
      });
    }
    if (volume.status?.phase !== "Bound") await this.client.patch(PERSISTENTVOLUMES, undefined, pv.metadata.name!, "merge", { status: { phase: "Bound" } }, "status");
    let bound = claim;
    if (claim.spec?.volumeName !== pv.metadata.name || claim.metadata.annotations?.["pv.kubernetes.io/bind-completed"] !== "yes") {
      bound = await this.client.patch(PERSISTENTVOLUMECLAIMS, m.namespace, m.name!, "merge", {
        metadata: { resourceVersion: m.resourceVersion, annotations: { "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" } },
        spec: { volumeName: pv.metadata.name },
      });
    }
    if (bound.status?.phase !== "Bound") {
      await this.claimStatus(bound, { phase: "Bound", accessModes: volume.spec?.accessModes, capacity: volume.spec?.capacity });
    }
  }

  private async claimStatus(claim: Claim, status: Json): Promise<void> {
    await this.client.patch(PERSISTENTVOLUMECLAIMS, claim.metadata.namespace, claim.metadata.name!, "merge", { status }, "status").catch(ignoreGone);
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.lister().get(undefined, name) as Volume | undefined;
    if (!pv || pv.metadata.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    const phase = pv.status?.phase;
    if (!ref?.name) {
      if (phase !== "Available") await this.client.patch(PERSISTENTVOLUMES, undefined, name, "merge", { status: { phase: "Available" } }, "status");
      return;
    }
    const cached = this.claims.lister().get(ref.namespace, ref.name) as Claim | undefined;
    if (cached && (!ref.uid || cached.metadata.uid === ref.uid)) return;
    // The cache may lag behind a new claim: confirm with a live read before letting the volume go.
    const live = await this.client.get<Claim>(PERSISTENTVOLUMECLAIMS, ref.namespace, ref.name).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (live && (!ref.uid || live.metadata.uid === ref.uid)) return;
    if (phase !== "Released") await this.client.patch(PERSISTENTVOLUMES, undefined, name, "merge", { status: { phase: "Released" } }, "status");
    if (pv.spec?.persistentVolumeReclaimPolicy === "Delete") {
      await this.client.delete(PERSISTENTVOLUMES, undefined, name, { preconditions: { uid: pv.metadata.uid } }).catch(ignoreGone);
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.claims.waitForSync(), this.volumes.waitForSync(), this.classes.waitForSync(), this.nodes.waitForSync()]);
    await Promise.all([this.claimLoop.run(signal), this.volumeLoop.run(signal)]);
  }
}
