import { issueCertificate, readCertificateRequest, type CertificateAndKey, type Usage } from "../../api/pki/certificates.js";
import {
  apiServerClientUsagesError, KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING, kubeletClientError, kubeletServingError, type RequestShape,
} from "../../api/pki/signers.js";
import type { KubeObject } from "../../api/types.js";

export { KUBE_APISERVER_CLIENT, KUBE_APISERVER_CLIENT_KUBELET, KUBELET_SERVING } from "../../api/pki/signers.js";

/** kube-controller-manager's --cluster-signing-duration default: a year. */
export const DEFAULT_SIGNING_DURATION_MS = 365 * 24 * 3600 * 1000;

interface CsrCondition {
  type?: string;
  status?: string;
}

export type Csr = KubeObject & {
  spec?: { request?: string; signerName?: string; usages?: string[]; expirationSeconds?: number };
  status?: { conditions?: CsrCondition[]; certificate?: string };
};

/** What the signer does with a request: nothing, fail it (a Failed condition), or issue a certificate (PEM). */
export type SigningDecision = { action: "none" } | { action: "fail"; reason: string; message: string } | { action: "issue"; certificate: string };

const hasTrue = (csr: Csr, type: string) => (csr.status?.conditions ?? []).some((c) => c.type === type && (c.status ?? "True") === "True");

/** Each signer this controller runs: what it checks of a request, and the kind of certificate it issues. */
const SIGNERS = new Map<string, { check(req: RequestShape, usages: string[]): string | undefined; usage: Usage }>([
  [KUBE_APISERVER_CLIENT, { check: (_req, usages) => apiServerClientUsagesError(usages), usage: "client" }],
  [KUBE_APISERVER_CLIENT_KUBELET, { check: kubeletClientError, usage: "client" }],
  [KUBELET_SERVING, { check: kubeletServingError, usage: "server" }],
]);

/**
 * Upstream's csrsigning controller for the signers in {@link SIGNERS}: an Approved request (not Denied,
 * not Failed, no certificate yet) for one of them gets a certificate from the cluster CA for the request's
 * subject (CN, O), alternative names (a serving certificate's DNS names and IPs) and public key, valid for
 * its expirationSeconds capped by the signing duration. A request the signer does not accept (its usages,
 * subject or names; upstream's messages), or that doesn't parse, fails (reason SignerValidationFailure).
 * Other signers' requests are left alone.
 */
export async function decideSigning(csr: Csr, ca: CertificateAndKey, now: number, maxDurationMs = DEFAULT_SIGNING_DURATION_MS): Promise<SigningDecision> {
  const signer = SIGNERS.get(csr.spec?.signerName ?? "");
  if (!signer || !csr.spec) return { action: "none" };
  if (!hasTrue(csr, "Approved") || hasTrue(csr, "Denied") || hasTrue(csr, "Failed") || csr.status?.certificate) return { action: "none" };
  const fail = (message: string): SigningDecision => ({ action: "fail", reason: "SignerValidationFailure", message });
  let request;
  try {
    request = await readCertificateRequest(Buffer.from(csr.spec.request ?? "", "base64").toString("utf8"));
  } catch (err) {
    return fail(`unable to parse csr "${csr.metadata.name ?? ""}": ${(err as Error).message}`);
  }
  const invalid = signer.check(request, csr.spec.usages ?? []);
  if (invalid) return fail(invalid);
  if (!request.signatureValid) return fail("the request's signature does not verify");
  if (!request.commonName) return fail("the request's subject has no common name");
  const requested = csr.spec.expirationSeconds === undefined ? Infinity : csr.spec.expirationSeconds * 1000;
  const issued = await issueCertificate(ca, {
    commonName: request.commonName, organizations: request.organizations, usage: signer.usage, now: new Date(now),
    hosts: signer.usage === "server" ? [...request.dnsNames, ...request.ipAddresses] : undefined,
    validForMs: Math.min(requested, maxDurationMs), publicKey: request.publicKey,
  });
  return { action: "issue", certificate: issued.cert };
}
