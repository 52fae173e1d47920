import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatTokenFile, parseTokenFile } from "../apiserver/auth/token-file.js";
import type { UserInfo } from "../apiserver/auth/types.js";
import { issueCertificate, type CertificateAndKey } from "../api/pki/certificates.js";

/** The users `tug up`'s components run as, as upstream's components' kubeconfigs name them. */
export const COMPONENT_USERS = {
  controllerManager: "system:kube-controller-manager",
  scheduler: "system:kube-scheduler",
  proxy: "system:kube-proxy",
} as const;

/** A node agent's user: `system:node:<name>` in system:nodes, what the Node authorizer knows. */
export function nodeUser(name: string): UserInfo {
  return { name: `system:node:${name}`, groups: ["system:nodes"] };
}

/**
 * A node agent's TLS from the cluster CA: serving certificates naming the node (`CN=system:node:<name>`,
 * O system:nodes, for the hosts it is reached at), as the API server checks them, and the CA whose client
 * certificates the agent accepts.
 */
export function nodeTls(ca: CertificateAndKey, name: string): { clientCA: string; serving(hosts: string[]): Promise<{ cert: string; key: string }> } {
  const user = nodeUser(name);
  return {
    clientCA: ca.cert,
    async serving(hosts) {
      const issued = await issueCertificate(ca, { commonName: user.name, organizations: user.groups, usage: "server", hosts, now: new Date() });
      return { cert: issued.cert, key: issued.key! };
    },
  };
}

/** The components' tokens: the token file the API server reads, and each user's token. */
export interface ComponentTokens {
  tokens: Map<string, UserInfo>;
  tokenOf(user: string): string;
}

/**
 * DIR/pki/tokens.csv (upstream's --token-auth-file format, 0600): one token per component of `tug up`
 * and per node agent it runs, each its own user, so each has what RBAC and the Node authorizer grant it
 * and nothing more. Users missing from the file (more nodes than last time) get a token; others keep theirs.
 */
export function loadOrCreateComponentTokens(dataDir: string, nodeNames: readonly string[]): ComponentTokens {
  const file = join(dataDir, "pki", "tokens.csv");
  const tokens = existsSync(file) ? parseTokenFile(readFileSync(file, "utf8")) : new Map<string, UserInfo>();
  const byUser = new Map([...tokens].map(([token, u]) => [u.name, token]));
  const wanted: UserInfo[] = [...Object.values(COMPONENT_USERS).map((name) => ({ name, groups: [] })), ...nodeNames.map(nodeUser)];
  let changed = false;
  for (const user of wanted) {
    if (byUser.has(user.name)) continue;
    const token = randomBytes(24).toString("hex");
    tokens.set(token, user);
    byUser.set(user.name, token);
    changed = true;
  }
  if (changed) {
    writeFileSync(file, formatTokenFile(tokens), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return {
    tokens,
    tokenOf(user) {
      const token = byUser.get(user);
      if (token === undefined) throw new Error(`no token for ${user}`);
      return token;
    },
  };
}
