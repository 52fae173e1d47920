import { realClock, type Clock } from "../client/clock.js";
import type { RestClient } from "../client/rest.js";
import { SharedInformers } from "../client/shared-informers.js";
import { GarbageCollector } from "./garbage-collector/collector.js";
import { deletableResources } from "./garbage-collector/discovery.js";
import { DaemonSetController } from "./daemonset/controller.js";
import { CronJobController } from "./cronjob/controller.js";
import { StatefulSetController } from "./statefulset/controller.js";
import { JobController } from "./job/controller.js";
import { TtlAfterFinishedController } from "./ttl-after-finished/controller.js";
import { DeploymentController } from "./deployment/controller.js";
import { ServiceEndpointsController } from "./endpoints/controller.js";
import { EndpointsObjects } from "./endpoints/endpoints-output.js";
import { EndpointSliceMirroringController } from "./endpoints/mirroring.js";
import { EndpointSlices } from "./endpoints/slices-output.js";
import { ControllerMetrics } from "./kit/metrics.js";
import { NodeLifecycleController } from "./node-lifecycle/controller.js";
import { NodeIpamController, type NodeIpamOptions } from "./node-ipam/controller.js";
import { PodGarbageCollector } from "./podgc/controller.js";
import { VolumeController } from "./volume/controller.js";
import { ReplicaController } from "./replicaset/controller.js";
import { RootCAPublisher } from "./root-ca-publisher/controller.js";
import { ServiceAccountsController } from "./serviceaccount/controller.js";
import { ClusterRoleAggregationController } from "./clusterrole-aggregation/controller.js";
import { LegacyTokenSigner, ServiceAccountTokenController } from "./serviceaccount-token/controller.js";
import { REPLICA_SET, REPLICATION_CONTROLLER } from "./replicaset/kind.js";
import { CsrSigningController } from "./csr-signing/controller.js";
import { CsrApprovingController } from "./csr-approving/controller.js";
import { TokenCleaner } from "./bootstrap/token-cleaner.js";
import type { CertificateAndKey } from "../api/pki/certificates.js";

export interface ControllerManagerOptions {
  /** Workers per controller, as kube-controller-manager's --concurrent-*-syncs. */
  concurrentReplicaSetSyncs?: number;
  concurrentRcSyncs?: number;
  concurrentGcSyncs?: number;
  concurrentDeploymentSyncs?: number;
  concurrentDaemonSetSyncs?: number;
  concurrentJobSyncs?: number;
  concurrentStatefulSetSyncs?: number;
  concurrentCronJobSyncs?: number;
  concurrentServiceEndpointSyncs?: number;
  nodeMonitorGracePeriodMs?: number;
  /** --allocate-node-cidrs with --cluster-cidr, --node-cidr-mask-size, --service-cluster-ip-range: the node IPAM controller runs. */
  nodeIpam?: Pick<NodeIpamOptions, "clusterCIDR" | "nodeCIDRMaskSize" | "serviceCIDR">;
  /**
   * The CA bundle published to every namespace as kube-root-ca.crt (--root-ca-file); by default the CA
   * the manager's own kubeconfig trusts the API server with, as upstream falls back to it.
   */
  rootCA?: string;
  /** --cluster-signing-cert-file/--cluster-signing-key-file: the csrsigning controller signs kube-apiserver-client, kube-apiserver-client-kubelet and kubelet-serving CSRs with it. */
  clusterSigning?: CertificateAndKey;
  /** --service-account-private-key-file's PEM: the tokens controller fills legacy token Secrets (absent: it doesn't run). */
  serviceAccountPrivateKey?: string;
  /** Informers shared with other components of the process (their owner runs them); own ones otherwise. */
  informers?: SharedInformers;
  clock?: Clock;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * kube-controller-manager's role: every controller in one process, sharing one informer per resource,
 * each with its own work queue and workers, all reporting to one metrics registry.
 */
export class ControllerManager {
  readonly metrics = new ControllerMetrics();

  constructor(private readonly client: RestClient, private readonly opts: ControllerManagerOptions = {}) {}

  async run(signal: AbortSignal): Promise<void> {
    const { client, opts, metrics } = this;
    const clock = opts.clock ?? realClock;
    const log = opts.log;
    const informers = opts.informers ?? new SharedInformers(client, clock);
    const resources = await deletableResources(client);
    const rootCA = opts.rootCA ?? client.certificateAuthority;
    const tokenSigner = opts.serviceAccountPrivateKey ? await LegacyTokenSigner.fromPem(opts.serviceAccountPrivateKey) : undefined;
    const controllers = [
      new ReplicaController(client, { kind: REPLICA_SET, informers, workers: opts.concurrentReplicaSetSyncs ?? 5, clock, metrics, log }),
      new ReplicaController(client, { kind: REPLICATION_CONTROLLER, informers, workers: opts.concurrentRcSyncs ?? 5, clock, metrics, log }),
      new DaemonSetController(client, { informers, workers: opts.concurrentDaemonSetSyncs ?? 2, clock, metrics, log }),
      new StatefulSetController(client, { informers, workers: opts.concurrentStatefulSetSyncs ?? 5, clock, metrics, log }),
      new JobController(client, { informers, workers: opts.concurrentJobSyncs ?? 5, clock, metrics, log }),
      new CronJobController(client, { informers, workers: opts.concurrentCronJobSyncs ?? 5, clock, metrics, log }),
      new TtlAfterFinishedController(client, { informers, clock, metrics, log }),
      new DeploymentController(client, { informers, workers: opts.concurrentDeploymentSyncs ?? 5, clock, metrics, log }),
      new PodGarbageCollector(client, { informers, clock, metrics, log }),
      new VolumeController(client, { informers, clock, metrics, log }),
      new GarbageCollector(client, { resources, informers, workers: opts.concurrentGcSyncs ?? 20, clock, metrics, log }),
      new NodeLifecycleController(client, { informers, gracePeriodMs: opts.nodeMonitorGracePeriodMs, clock, log }),
      new ServiceEndpointsController({ output: new EndpointsObjects(client, informers), informers, workers: opts.concurrentServiceEndpointSyncs ?? 5, clock, metrics, log }),
      new ServiceEndpointsController({ output: new EndpointSlices(client, informers), informers, workers: opts.concurrentServiceEndpointSyncs ?? 5, clock, metrics, log }),
      new EndpointSliceMirroringController(client, { informers, clock, metrics, log }),
      ...(opts.nodeIpam ? [new NodeIpamController(client, { ...opts.nodeIpam, informers, clock, metrics, log })] : []),
      new ServiceAccountsController(client, { informers, clock, metrics, log }),
      new ClusterRoleAggregationController(client, { informers, clock, metrics, log }),
      ...(rootCA ? [new RootCAPublisher(client, rootCA, { informers, clock, metrics, log })] : []),
      ...(opts.clusterSigning ? [new CsrSigningController(client, opts.clusterSigning, { informers, clock, metrics, log })] : []),
      new CsrApprovingController(client, { informers, clock, metrics, log }),
      new TokenCleaner(client, { informers, clock, metrics, log }),
      ...(tokenSigner ? [new ServiceAccountTokenController(client, tokenSigner, { informers, rootCA, clock, metrics, log })] : []),
    ];
    log?.({ level: "info", component: "controller-manager", msg: "Starting controllers", controllers: ["replicaset", "replicationcontroller", "daemonset", "statefulset", "job", "cronjob", "ttl-after-finished", "deployment", "persistentvolume-binder", "pod-garbage-collector", "garbage-collector", "node-lifecycle", "endpoint", "endpointslice", "endpointslicemirroring", "serviceaccount", "clusterrole-aggregation", ...(opts.nodeIpam ? ["nodeipam"] : []), ...(rootCA ? ["root-ca-cert-publisher"] : []), ...(opts.clusterSigning ? ["csrsigning"] : []), "csrapproving", "tokencleaner", ...(tokenSigner ? ["serviceaccount-token"] : [])], resources: resources.length });
    await Promise.all([opts.informers ? undefined : informers.run(signal), ...controllers.map((c) => c.run(signal))]);
  }
}
