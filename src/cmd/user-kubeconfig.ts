import { randomBytes } from "node:crypto";
import { createCertificateRequest } from "../api/pki/certificates.js";
import { loadKubeconfig, RestClient } from "../client/rest.js";
import { CERTIFICATESIGNINGREQUESTS } from "../client/resources.js";
import type { KubeObject } from "../api/types.js";
import { adminKubeconfig } from "./kubeconfig.js";

export interface UserKubeconfigOptions {
  /** The admin's kubeconfig: it submits and approves the request. */
  kubeconfig: string;
  user: string;
  groups: string[];
  /** The certificate's requested lifetime (spec.expirationSeconds); absent: the signer's default (a year). */
  expirationSeconds?: number;
  /** How long to wait for the signer (default 30 s). */
  timeoutMs?: number;
}

type Csr = KubeObject & {
  status?: { conditions?: Array<{ type: string; status?: string; reason?: string; message?: string }>; certificate?: string };
};

/**
 * `tug kubeconfig --user NAME [--group G]…`: a new key, a CSR for CN=NAME, O=G… to the
 * kubernetes.io/kube-apiserver-client signer, approved as the admin (as `kubectl certificate approve`),
 * the certificate the controller manager's signer issues, and a kubeconfig with it for the admin's
 * cluster. A denied or failed request, or no certificate in time, is an error naming the CSR.
 */
export async function userKubeconfig(opts: UserKubeconfigOptions): Promise<string> {
  const connection = loadKubeconfig(opts.kubeconfig);
  const client = new RestClient({ ...connection, userAgent: "tug-kubeconfig" });
  try {
    const { csr, key } = await createCertificateRequest(opts.user, opts.groups);
    const name = `tug-${opts.user.replace(/[^a-z0-9.-]/gi, "-").toLowerCase().slice(0, 40)}-${randomBytes(3).toString("hex")}`;
    const created = await client.create<Csr>(CERTIFICATESIGNINGREQUESTS, undefined, {
      apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest", metadata: { name },
      spec: {
        request: Buffer.from(csr).toString("base64"), signerName: "kubernetes.io/kube-apiserver-client",
        usages: ["digital signature", "key encipherment", "client auth"],
        ...(opts.expirationSeconds !== undefined ? { expirationSeconds: opts.expirationSeconds } : {}),
      },
    });
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    await client.update(CERTIFICATESIGNINGREQUESTS, { ...created, status: { conditions: [
      { type: "Approved", status: "True", reason: "TugApprove", message: "This CSR was approved by tug kubeconfig.", lastUpdateTime: now },
    ] } }, "approval");
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    for (;;) {
      const current = await client.get<Csr>(CERTIFICATESIGNINGREQUESTS, undefined, name);
      const failed = current.status?.conditions?.find((c) => c.type === "Failed" || c.type === "Denied");
      if (failed) throw new Error(`CertificateSigningRequest "${name}" was ${failed.type === "Failed" ? "refused by the signer" : "denied"}: ${failed.message ?? failed.reason ?? ""}`);
      if (current.status?.certificate) {
        const cert = Buffer.from(current.status.certificate, "base64").toString("utf8");
        return adminKubeconfig(connection.server, connection.ca ?? "", { clientCertificate: cert, clientKey: key }, opts.user);
      }
      if (Date.now() > deadline) throw new Error(`CertificateSigningRequest "${name}" got no certificate in ${Math.round((opts.timeoutMs ?? 30_000) / 1000)} s: is the controller manager running with the cluster CA?`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.close();
  }
}
