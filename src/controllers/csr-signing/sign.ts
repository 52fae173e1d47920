import { issueCertificate, readCertificateRequest, type CertificateAndKey } from "../../api/pki/certificates.js";
import type { KubeObject } from "../../api/types.js";

/** The signer of client certificates that the API server's x509 authenticator accepts. */
export const KUBE_APISERVER_CLIENT = "kubernetes.io/kube-apiserver-client";

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

/** Upstream's validAPIServerClientUsages: digital signature and key encipherment allowed, client auth required, nothing else. */
export function clientUsagesError(usages: string[]): string | undefined {
  for (const u of usages) {
    if (u !== "digital signature" && u !== "key encipherment" && u !== "client auth") return `invalid usage for client certificate: ${u}`;
  }
  return usages.includes("client auth") ? undefined : "missing required usage for client certificate: client auth";
}

/**
 * Upstream's csrsigning controller for `kubernetes.io/kube-apiserver-client`: an Approved request (not
 * Denied, not Failed, no certificate yet) for this signer gets a certificate from the cluster CA for the
 * request's subject (CN the user, O the groups) and public key, valid for its expirationSeconds capped by
 * the signing duration. A request whose usages this signer can't give, or that doesn't parse, fails
 * (reason SignerValidationFailure). Other signers' requests are left alone.
 */
export async function decideSigning(csr: Csr, ca: CertificateAndKey, now: number, maxDurationMs = DEFAULT_SIGNING_DURATION_MS): Promise<SigningDecision> {
  if (csr.spec?.signerName !== KUBE_APISERVER_CLIENT) return { action: "none" };
  if (!hasTrue(csr, "Approved") || hasTrue(csr, "Denied") || hasTrue(csr, "Failed") || csr.status?.certificate) return { action: "none" };
  const usagesError = clientUsagesError(csr.spec.usages ?? []);
  if (usagesError) return { action: "fail", reason: "SignerValidationFailure", message: usagesError };
  let request;
  try {
    request = await readCertificateRequest(Buffer.from(csr.spec.request ?? "", "base64").toString("utf8"));
  } catch (err) {
    return { action: "fail", reason: "SignerValidationFailure", message: `unable to parse csr "${csr.metadata.name ?? ""}": ${(err as Error).message}` };
  }
  if (!request.signatureValid) return { action: "fail", reason: "SignerValidationFailure", message: "the request's signature does not verify" };
  if (!request.commonName) return { action: "fail", reason: "SignerValidationFailure", message: "the request's subject has no common name" };
  const requested = csr.spec.expirationSeconds === undefined ? Infinity : csr.spec.expirationSeconds * 1000;
  const issued = await issueCertificate(ca, {
    commonName: request.commonName, organizations: request.organizations, usage: "client", now: new Date(now),
    validForMs: Math.min(requested, maxDurationMs), publicKey: request.publicKey,
  });
  return { action: "issue", certificate: issued.cert };
}
