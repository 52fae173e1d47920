import { randomInt } from "node:crypto";
import { isAlreadyExists } from "../api/errors.js";
import { bootstrapTokenSecret, NODE_BOOTSTRAP_GROUP } from "../api/bootstrap-token.js";
import type { KubeObject } from "../api/types.js";
import type { RestClient } from "../client/rest.js";
import { CLUSTERROLEBINDINGS, SECRETS } from "../client/resources.js";

/** kubeadm's default token lifetime: a day. */
export const DEFAULT_TOKEN_TTL_MS = 24 * 3600 * 1000;

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const randomString = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join("");

function binding(name: string, role: string, subject: { kind: "Group"; name: string }): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ apiGroup: "rbac.authorization.k8s.io", ...subject }],
  };
}

/**
 * What kubeadm's bootstrap-token phase binds, so joining nodes get their certificates on their own:
 * tokens of the node group may create CSRs (system:node-bootstrapper) and have node client requests
 * approved (nodeclient); nodes have their renewals approved (selfnodeclient). And, Tugboat's own: nodes
 * hold system:node-proxier, since `tug node` runs its service proxy as the node (kubeadm's kube-proxy
 * runs as a ServiceAccount with that role). Bindings already there are left as they are.
 */
export const NODE_BOOTSTRAP_BINDINGS: readonly KubeObject[] = [
  binding("kubeadm:kubelet-bootstrap", "system:node-bootstrapper", { kind: "Group", name: NODE_BOOTSTRAP_GROUP }),
  binding("kubeadm:node-autoapprove-bootstrap", "system:certificates.k8s.io:certificatesigningrequests:nodeclient", { kind: "Group", name: NODE_BOOTSTRAP_GROUP }),
  binding("kubeadm:node-autoapprove-certificate-rotation", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", { kind: "Group", name: "system:nodes" }),
  binding("tug:node-proxier", "system:node-proxier", { kind: "Group", name: "system:nodes" }),
];

export async function ensureNodeBootstrapBindings(client: RestClient): Promise<void> {
  for (const b of NODE_BOOTSTRAP_BINDINGS) {
    await client.create(CLUSTERROLEBINDINGS, undefined, b).catch((err: unknown) => {
      if (!isAlreadyExists(err)) throw err;
    });
  }
}

/**
 * `tug token create`, as `kubeadm token create`: a new bootstrap token `<id>.<secret>` for joining nodes
 * (its user in system:bootstrappers:kubeadm:default-node-token), valid for `ttlMs` (0: never expires),
 * stored as its kube-system Secret. Returns the token.
 */
export async function createBootstrapToken(client: RestClient, opts: { ttlMs?: number; description?: string; now?: Date } = {}): Promise<string> {
  const ttl = opts.ttlMs ?? DEFAULT_TOKEN_TTL_MS;
  const now = opts.now ?? new Date();
  for (;;) {
    const token = { id: randomString(6), secret: randomString(16) };
    const secret = bootstrapTokenSecret(token, {
      expiresAt: ttl > 0 ? new Date(now.getTime() + ttl) : undefined, extraGroups: [NODE_BOOTSTRAP_GROUP],
      description: opts.description ?? "Bootstrap token made by tug token create, for tug node --token.",
    });
    try {
      await client.create(SECRETS, "kube-system", secret);
      return `${token.id}.${token.secret}`;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err; // That id is taken: draw another.
    }
  }
}
