import type { KubeObject } from "../api/types.js";
import { Informer } from "../client/informer.js";
import type { RestClient } from "../client/rest.js";
import { CERTIFICATESIGNINGREQUESTS } from "../client/resources.js";

type Csr = KubeObject & { status?: { conditions?: Array<{ type?: string; status?: string; reason?: string; message?: string }>; certificate?: string } };

export class CertificateRequestRefusedError extends Error {}

export interface CertificateRequest {
  /** The CSR's name; absent: generated from `csr-`. */
  name?: string;
  signerName: string;
  /** The PKCS#10 request, PEM. */
  request: string;
  usages: string[];
  signal?: AbortSignal;
}

/**
 * Asks for a certificate as the kubelet's certificate manager does: creates a CertificateSigningRequest
 * and watches it (by name) until the signer has issued the certificate (returned, PEM). Denied or Failed:
 * a {@link CertificateRequestRefusedError} naming the condition. Approval is someone else's — the
 * csrapproving controller or an admin — so this waits as long as it takes, until `signal` aborts.
 */
export async function requestCertificate(client: RestClient, req: CertificateRequest): Promise<string> {
  const created = await client.create<Csr>(CERTIFICATESIGNINGREQUESTS, undefined, {
    apiVersion: "certificates.k8s.io/v1", kind: "CertificateSigningRequest",
    metadata: req.name ? { name: req.name } : { generateName: "csr-" },
    spec: { request: Buffer.from(req.request).toString("base64"), signerName: req.signerName, usages: req.usages },
  });
  const name = created.metadata.name!;
  const watching = new AbortController();
  const stop = () => watching.abort();
  req.signal?.addEventListener("abort", stop, { once: true });
  const informer = new Informer<Csr>(client, { resource: CERTIFICATESIGNINGREQUESTS, fieldSelector: `metadata.name=${name}` });
  try {
    return await new Promise<string>((resolve, reject) => {
      const check = (csr: Csr) => {
        const refused = csr.status?.conditions?.find((c) => (c.type === "Denied" || c.type === "Failed") && (c.status ?? "True") === "True");
        if (refused) reject(new CertificateRequestRefusedError(`CertificateSigningRequest "${name}" is ${refused.type}: ${refused.message ?? refused.reason ?? ""}`));
        else if (csr.status?.certificate) resolve(Buffer.from(csr.status.certificate, "base64").toString("utf8"));
      };
      informer.on({ add: check, update: (_o, n) => check(n) });
      informer.run(watching.signal).then(() => reject(new Error(`Stopped waiting for CertificateSigningRequest "${name}"`)), reject);
    });
  } finally {
    req.signal?.removeEventListener("abort", stop);
    watching.abort();
  }
}
