import { StatusError } from "../../../api/errors.js";
import type { KubeObject } from "../../../api/types.js";
import type { Admit } from "../../registry/rest.js";
import type { ResourceInfo } from "../../resource.js";
import { currentUser } from "../context.js";
import { nodeIdentity } from "./node-authorizer.js";

const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

/**
 * Upstream's NodeRestriction admission for what a node creates (the Node authorizer can't see a create's
 * name): its own Node, its own Lease, and only mirror pods bound to itself. Everything it changes later
 * is checked by name in the Node authorizer.
 */
export const nodeRestriction: Admit = async (resource: ResourceInfo, obj: KubeObject) => {
  const user = currentUser();
  const node = user && nodeIdentity(user);
  if (!node) return;
  const name = obj.metadata.name ?? obj.metadata.generateName ?? "";
  const refuse = (message: string) => {
    throw new StatusError(403, "Forbidden", `${resource.plural} "${name}" is forbidden: ${message}`, { name, group: resource.group || undefined, kind: resource.plural });
  };
  if (resource.group === "" && resource.plural === "nodes" && name !== node) refuse(`node "${node}" is not allowed to modify node "${name}"`);
  if (resource.group === "coordination.k8s.io" && resource.plural === "leases" && (obj.metadata.namespace !== "kube-node-lease" || name !== node)) {
    refuse("can only access node lease with the same name as the requesting node");
  }
  if (resource.group === "" && resource.plural === "pods") {
    if (obj.metadata.annotations?.[MIRROR_ANNOTATION] === undefined) refuse(`pod does not have "${MIRROR_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
    if ((obj.spec as { nodeName?: string } | undefined)?.nodeName !== node) refuse(`node "${node}" can only create pods with spec.nodeName set to itself`);
  }
};
