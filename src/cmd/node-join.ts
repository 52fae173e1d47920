import { createHash, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isStatusError } from "../api/errors.js";
import { certificateSubject, createCertificateRequest, isKeyOf } from "../api/pki/certificates.js";
import { KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING } from "../api/pki/signers.js";
import { RestClient } from "../client/rest.js";
import { requestCertificate } from "../node/csr.js";
import { nodeUser } from "./identities.js";
import type { NodeAgentOptions } from "./node-agent.js";
import type { Log } from "./logger.js";

/** Where a joining node keeps its certificates: DIR/nodes/<name>/pki, as the kubelet's /var/lib/kubelet/pki. */
export function nodePkiDir(dataDir: string, name: string): string {
  return join(dataDir, "nodes", name, "pki");
}

/** Joining failed in a way its user fixes (a refused token, no certificate and no token): one line, no stack. */
export class JoinError extends Error {}

/** A certificate is requested again once this share of its lifetime has passed (the kubelet renews at 70–90 %). */
const RENEW_AT = 0.8;

export interface JoinOptions {
  server: string;
  /** The cluster CA (PEM): the API server's certificate must chain to it, and so must the agent's own. */
  ca: string;
  /** A bootstrap token `<id>.<secret>`: needed only when the node has no usable client certificate yet. */
  token?: string;
  name: string;
  dataDir: string;
  signal?: AbortSignal;
  log: Log;
}

type Pair = { cert: string; key: string };

/** A PEM file holding a certificate and its key (the kubelet's kubelet-client-current.pem), if it is one. */
function readPair(file: string): Pair | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
  return cert && key ? { cert, key } : undefined;
}

function writePair(file: string, pair: Pair): void {
  writeFileSync(file, `${pair.cert.trimEnd()}\n${pair.key.trimEnd()}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/**
 * How good a stored certificate is for `user`: "fresh" (chains to the CA, names the user, its key fits,
 * before {@link RENEW_AT} of its lifetime), "aging" (still valid, due for renewal) or "unusable".
 */
export async function certificateStanding(pair: Pair | undefined, ca: string, user: string, now: number, hosts: string[] = []): Promise<"fresh" | "aging" | "unusable"> {
  if (!pair) return "unusable";
  try {
    const cert = new X509Certificate(pair.cert);
    if (!cert.verify(new X509Certificate(ca).publicKey)) return "unusable";
    if (certificateSubject(pair.cert).commonName !== user || !(await isKeyOf(pair.cert, pair.key))) return "unusable";
    if (!hosts.every((h) => (/^[\d.]+$|:/.test(h) ? cert.checkIP(h) : cert.checkHost(h)) !== undefined)) return "unusable";
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    if (now < from || now >= to) return "unusable";
    return now < from + (to - from) * RENEW_AT ? "fresh" : "aging";
  } catch {
    return "unusable";
  }
}

/**
 * A joining node's identity, as the kubelet's TLS bootstrap gets it: its client certificate
 * (`system:node:<name>` in system:nodes) from DIR/nodes/<name>/pki/kubelet-client-current.pem when that is
 * still good; else a CSR to kubernetes.io/kube-apiserver-client-kubelet — sent as the node itself when its
 * old certificate is still valid (a renewal, approved for system:nodes), otherwise with the bootstrap
 * token (approved for the token's group) — and the signed certificate kept there. Its serving certificate
 * comes the same way, once the Node is registered (kubelet-serving, for the Node's own name and addresses),
 * in kubelet-server-current.pem. Throws when there is no usable certificate and no token.
 */
export async function joinIdentity(opts: JoinOptions): Promise<{ client: Pair; tls: NonNullable<NodeAgentOptions["tls"]> }> {
  const dir = nodePkiDir(opts.dataDir, opts.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const user = nodeUser(opts.name);
  const clientFile = join(dir, "kubelet-client-current.pem");
  let client = readPair(clientFile);
  const state = await certificateStanding(client, opts.ca, user.name, Date.now());
  if (state !== "fresh") {
    const as = state === "aging" ? { cert: client!.cert, key: client!.key } : opts.token ? { token: opts.token } : undefined;
    if (!as) throw new JoinError(`The node has no usable client certificate (${clientFile}) and no --token to ask for one with`);
    opts.log({ level: "info", msg: state === "aging" ? "Renewing the node's client certificate" : "Requesting the node's client certificate with the bootstrap token", node: opts.name });
    const asker = new RestClient({ server: opts.server, ca: opts.ca, ...as, userAgent: "kubelet/v1.32.0 (tugboat)" });
    try {
      const { csr, key } = await createCertificateRequest(user.name, user.groups);
      // As the kubelet names its bootstrap request: node-csr- and a digest of the request.
      const name = `node-csr-${createHash("sha256").update(csr).digest("hex").slice(0, 32)}`;
      const cert = await requestCertificate(asker, { name, signerName: KUBE_APISERVER_CLIENT_KUBELET, request: csr, usages: ["digital signature", "client auth"], signal: opts.signal }).catch((err: unknown) => {
        if (isStatusError(err) && (err.code === 401 || err.code === 403)) {
          throw new JoinError(`The API server refused the node's certificate request (${err.code} ${err.message}): ${as.token ? "is the token right and unexpired? tug token create makes a new one" : "its old certificate is no longer accepted; join again with --token"}`);
        }
        throw err;
      });
      client = { cert, key };
      writePair(clientFile, client);
    } finally {
      asker.close();
    }
  }
  const servingFile = join(dir, "kubelet-server-current.pem");
  const own = client!;
  return {
    client: own,
    tls: {
      clientCA: opts.ca,
      afterRegistration: true,
      async serving(hosts) {
        const stored = readPair(servingFile);
        if (stored && (await certificateStanding(stored, opts.ca, user.name, Date.now(), hosts)) === "fresh") return stored;
        const asNode = new RestClient({ server: opts.server, ca: opts.ca, cert: own.cert, key: own.key, userAgent: "kubelet/v1.32.0 (tugboat)" });
        try {
          const { csr, key } = await createCertificateRequest(user.name, user.groups, hosts);
          const cert = await requestCertificate(asNode, { signerName: KUBELET_SERVING, request: csr, usages: ["digital signature", "server auth"], signal: opts.signal });
          writePair(servingFile, { cert, key });
          return { cert, key };
        } finally {
          asNode.close();
        }
      },
    },
  };
}
