import { ruleAllows } from "../../../api/rbac/rules.js";
import { Groups, type Authorizer, type Decision, type RequestAttributes, type UserInfo } from "../types.js";
import type { NodeGraph } from "./graph.js";
import { NODE_RULES } from "./rules.js";

const NODE_USER_PREFIX = "system:node:";
const NODE_LEASE_NAMESPACE = "kube-node-lease";

/**
 * The node a user speaks for: `system:node:<name>` in group system:nodes (upstream's node identifier).
 * `""`: in the group with a name that names no node; `undefined`: not a node.
 */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.groups.includes(Groups.nodes)) return undefined;
  return user.name.startsWith(NODE_USER_PREFIX) ? user.name.slice(NODE_USER_PREFIX.length) : "";
}

const noOpinion = (reason?: string): Decision => ({ decision: "no-opinion", reason });
const allow: Decision = { decision: "allow" };

/**
 * Upstream's Node authorizer: a node agent reads only the Secrets, ConfigMaps, claims, volumes and
 * service account tokens its own pods use, changes only its own Node, Lease and pods, reads only its own
 * Node and the pods bound to it (AuthorizeNodeWithSelectors, on by default in 1.32: a pod list or watch
 * must select `spec.nodeName=<node>`), and otherwise has what {@link NODE_RULES} lists. Anything else is left to the next authorizer (no opinion), as
 * upstream does; users that are not nodes are not its business.
 */
export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(a: RequestAttributes): Decision {
    const node = nodeIdentity(a.user);
    if (node === undefined) return noOpinion();
    if (node === "") return { decision: "deny", reason: "unknown node" };
    if (a.resourceRequest) {
      const restricted = this.restricted(node, a);
      if (restricted) return restricted;
    }
    return NODE_RULES.some((r) => ruleAllows(a, r)) ? allow : noOpinion();
  }

  /** The decision for what the node may touch only when it is its own, or `undefined` (the rules decide). */
  private restricted(node: string, a: RequestAttributes): Decision | undefined {
    if (a.apiGroup === "") {
      switch (a.resource) {
        case "secrets":
        case "configmaps":
        case "persistentvolumeclaims":
        case "persistentvolumes":
          if (a.resource === "persistentvolumeclaims" && a.subresource === "status") return undefined;
          return this.readRelated(node, a);
        case "serviceaccounts":
          if (a.subresource !== "token") return noOpinion();
          if (a.verb !== "create") return noOpinion(`can only create tokens for individual service accounts`);
          return this.graph.relates(node, "serviceaccounts", a.namespace, a.name) ? allow : noOpinion(noRelation(node));
        case "pods":
          if (a.subresource === "" && (a.verb === "get" || a.verb === "list" || a.verb === "watch")) return this.readPods(node, a);
          if (a.subresource === "status" || a.subresource === "eviction" || (a.subresource === "" && a.verb === "delete")) {
            // A pod that does not exist: the rules decide, and the request finds it is not there (404).
            const owner = this.graph.nodeOf(a.namespace, a.name);
            return owner === node || owner === undefined ? undefined : noOpinion(`node "${node}" can only ${a.subresource === "" ? "delete" : `change ${a.subresource} of`} pods with spec.nodeName set to itself`);
          }
          return undefined;
        case "nodes":
          if (a.subresource === "" && (a.verb === "get" || a.verb === "list" || a.verb === "watch")) {
            // By name, not through the graph: a node agent reads its Node before it has created it.
            if (a.name === node) return allow;
            return noOpinion(a.name === "" ? `node '${node}' cannot read all nodes, only its own Node object` : `node '${node}' cannot read '${a.name}', only its own Node object`);
          }
          if (a.name !== "" && a.name !== node && ["update", "patch", "delete"].includes(a.verb)) return noOpinion(`node "${node}" is not allowed to modify node "${a.name}"`);
          return undefined;
      }
    }
    if (a.apiGroup === "coordination.k8s.io" && a.resource === "leases" && a.name !== "" && (a.namespace !== NODE_LEASE_NAMESPACE || a.name !== node)) {
      return noOpinion("can only access node lease with the same name as the requesting node");
    }
    return undefined;
  }

  /**
   * AuthorizeNodeWithSelectors (beta and on in 1.32): a pod read is a get of a pod bound to the node, a
   * list or watch selecting `spec.nodeName=<node>`, or a list or watch of one such pod by name.
   */
  private readPods(node: string, a: RequestAttributes): Decision {
    if (a.verb !== "get" && selectsField(a.fieldSelector, "spec.nodeName", node)) return allow;
    if (a.verb !== "get" && a.name === "") return noOpinion("can only list/watch pods with spec.nodeName field selector");
    if (a.name === "") return noOpinion("No Object name found");
    return this.graph.nodeOf(a.namespace, a.name) === node ? allow : noOpinion(noRelation(node));
  }

  private readRelated(node: string, a: RequestAttributes): Decision {
    const single = a.verb === "get" || ((a.verb === "list" || a.verb === "watch") && a.name !== "" && a.resource !== "persistentvolumes" && a.resource !== "persistentvolumeclaims");
    if (!single) return noOpinion("can only read resources of this type");
    const resource = a.resource as "secrets" | "configmaps" | "persistentvolumeclaims" | "persistentvolumes";
    return this.graph.relates(node, resource, a.namespace, a.name) ? allow : noOpinion(noRelation(node));
  }
}

/** Whether a field selector has the requirement `field=value` (or `==`), as upstream reads its requirements. */
function selectsField(selector: string | undefined, field: string, value: string): boolean {
  if (!selector) return false;
  return selector.split(",").some((term) => {
    const m = /^\s*([^!=\s]+)\s*==?\s*(.*?)\s*$/.exec(term);
    return m !== null && m[1] === field && m[2] === value;
  });
}

function noRelation(node: string): string {
  return `no relationship found between node '${node}' and this object`;
}
