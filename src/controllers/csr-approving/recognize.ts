import {
  KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING, kubeletClientError, kubeletServingError, NODE_USER_PREFIX, NODES_GROUP, type RequestShape,
} from "../../api/pki/signers.js";
import type { KubeObject } from "../../api/types.js";

/**
 * What the csrapproving controller makes of a request, as upstream's sarapprove recognizers (and one
 * Tugboat policy for serving certificates). Pure: the controller reads the request and the Node, and
 * asks the API server (SubjectAccessReview) what a recognized request's requester may do.
 */

export interface CsrSpec {
  signerName?: string;
  usages?: string[];
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** A permission that, held by the requester, gets the request approved, and the Approved condition's message. */
export interface Recognized {
  subresource: "selfnodeclient" | "nodeclient";
  message: string;
}

/**
 * Upstream's recognizers, in upstream's order: a kube-apiserver-client-kubelet request a node agent makes
 * for its own user (CN = the requester: a renewal) is approved when the requester may create
 * `certificatesigningrequests/selfnodeclient`; any valid node client request (a bootstrap token's, for
 * the node it is joining) when it may create `certificatesigningrequests/nodeclient`.
 */
export function recognizeNodeClient(spec: CsrSpec, req: RequestShape): Recognized[] {
  if (spec.signerName !== KUBE_APISERVER_CLIENT_KUBELET || kubeletClientError(req, spec.usages ?? []) !== undefined) return [];
  const found: Recognized[] = [];
  if (spec.username === req.commonName) found.push({ subresource: "selfnodeclient", message: "Auto approving self kubelet client certificate after SubjectAccessReview." });
  found.push({ subresource: "nodeclient", message: "Auto approving kubelet client certificate after SubjectAccessReview." });
  return found;
}

/** The message of a serving certificate request approved by {@link servingApproval}. */
export const SERVING_APPROVED_MESSAGE = "Auto approving kubelet serving certificate: requested by the node itself for its own name and addresses.";

/** The node a kubelet-serving request is for, when it is one that {@link servingApproval} could decide on. */
export function servingNode(spec: CsrSpec, req: RequestShape): string | undefined {
  if (spec.signerName !== KUBELET_SERVING || kubeletServingError(req, spec.usages ?? []) !== undefined) return undefined;
  if (spec.username !== req.commonName || !(spec.groups ?? []).includes(NODES_GROUP)) return undefined;
  const node = req.commonName.slice(NODE_USER_PREFIX.length);
  return node === "" ? undefined : node;
}

/**
 * Tugboat's policy for kubelet-serving requests (upstream leaves them to an admin or an external
 * approver; Tugboat's node agents need serving certificates for the API server to reach them): approved
 * when the node agent asks for itself (requester = CN = system:node:<name>, in system:nodes) and every
 * name is the node's — DNS names among its name and its Hostname/InternalDNS/ExternalDNS addresses, IPs
 * among its InternalIP/ExternalIP addresses. The Node must exist (registered first, as a kubelet does
 * before asking for its serving certificate). Anything else stays pending for an admin.
 */
export function servingApproval(spec: CsrSpec, req: RequestShape, node: KubeObject | undefined): boolean {
  const name = servingNode(spec, req);
  if (name === undefined || node?.metadata.name !== name) return false;
  const addresses = ((node.status as { addresses?: Array<{ type?: string; address?: string }> } | undefined)?.addresses ?? []);
  const of = (types: string[]) => new Set(addresses.filter((a) => types.includes(a.type ?? "")).map((a) => a.address ?? ""));
  const dns = of(["Hostname", "InternalDNS", "ExternalDNS"]).add(name);
  const ips = of(["InternalIP", "ExternalIP"]);
  return req.dnsNames.every((d) => dns.has(d)) && req.ipAddresses.every((ip) => ips.has(ip));
}
