import type { PodTemplateSpec } from "kubernetes-types/core/v1.js";
import { selectorFromLabelSelector, type Selector } from "../../api/labels.js";
import type { KubeObject } from "../../api/types.js";
import type { ResourceRef } from "../../client/rest.js";
import { REPLICASETS } from "../../client/resources.js";

/**
 * What differs between the two kinds one controller serves: ReplicaSet (apps/v1, a LabelSelector) and
 * ReplicationController (v1, a plain label map). Everything else is the same implementation.
 */
export interface ReplicaKind {
  kind: "ReplicaSet" | "ReplicationController";
  apiVersion: string;
  resource: ResourceRef;
  /** The controller's name in logs, events and metrics. */
  controllerName: string;
  selector(obj: KubeObject): Selector | undefined;
}

export interface ReplicaSpec {
  replicas?: number;
  minReadySeconds?: number;
  template?: PodTemplateSpec;
}

export const REPLICA_SET: ReplicaKind = {
  kind: "ReplicaSet", apiVersion: "apps/v1", controllerName: "replicaset-controller",
  resource: REPLICASETS,
  selector: (obj) => selectorFromLabelSelector((obj.spec as { selector?: object } | undefined)?.selector),
};

export const REPLICATION_CONTROLLER: ReplicaKind = {
  kind: "ReplicationController", apiVersion: "v1", controllerName: "replication-controller",
  resource: { group: "", version: "v1", resource: "replicationcontrollers", namespaced: true },
  selector: (obj) => {
    const map = (obj.spec as { selector?: Record<string, string> } | undefined)?.selector;
    return map && Object.keys(map).length > 0 ? selectorFromLabelSelector({ matchLabels: map }) : undefined;
  },
};
