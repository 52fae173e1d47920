import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { duplicate, invalid, notSupported, required, type FieldError } from "../field-errors.js";

/** The key usages a CertificateSigningRequest may ask for (upstream's KeyUsage constants). */
export const KEY_USAGES = [
  "signing", "digital signature", "content commitment", "key encipherment", "key agreement", "data encipherment",
  "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth", "client auth",
  "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel", "ipsec user",
  "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc",
];

export interface CsrCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

export interface Csr {
  metadata: { name?: string };
  spec?: { request?: string; signerName?: string; expirationSeconds?: number; usages?: string[]; username?: string; groups?: string[] };
  status?: { conditions?: CsrCondition[]; certificate?: string };
}

/** The PEM "CERTIFICATE REQUEST" in `request` (base64 of the PEM, as JSON carries []byte), parsed; or why it isn't one. */
export function parseCertificateRequest(request: string): x509.Pkcs10CertificateRequest | string {
  const pem = Buffer.from(request, "base64").toString("utf8");
  const block = /-----BEGIN ([A-Z ]+)-----/.exec(pem);
  if (!block) return "PEM block type must be CERTIFICATE REQUEST";
  if (block[1] !== "CERTIFICATE REQUEST") return "PEM block type must be CERTIFICATE REQUEST";
  try {
    return new x509.Pkcs10CertificateRequest(pem);
  } catch (err) {
    return `asn1: ${(err as Error).message}`;
  }
}

/** A signer name: a DNS-1123 subdomain, a slash, and a path (upstream's ValidateSignerName, in short). */
function validSignerName(name: string): boolean {
  const slash = name.indexOf("/");
  if (slash <= 0 || slash === name.length - 1) return false;
  const domain = name.slice(0, slash);
  return domain.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/.test(domain) && !/\s/.test(name);
}

/** Approved, Denied and Failed: one each at most, True only; Approved and Denied never together. */
export function validateConditions(conditions: CsrCondition[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (conditions ?? []).forEach((c, i) => {
    const path = `status.conditions[${i}]`;
    if (!c.type) errs.push(required(`${path}.type`));
    if (c.type === "Approved" || c.type === "Denied" || c.type === "Failed") {
      if (seen.has(c.type)) errs.push(duplicate(`${path}.type`, c.type));
      seen.add(c.type);
      if (c.status !== "True") errs.push(notSupported(`${path}.status`, c.status ?? "", ["True"]));
    } else if (c.status !== undefined && !["True", "False", "Unknown"].includes(c.status)) {
      errs.push(notSupported(`${path}.status`, c.status, ["False", "True", "Unknown"]));
    }
  });
  if (seen.has("Approved") && seen.has("Denied")) errs.push(invalid("status.conditions", conditions, "Approved and Denied conditions are mutually exclusive"));
  return errs;
}

/** Upstream's ValidateCertificateSigningRequestCreate/Update for certificates.k8s.io/v1. */
export function validateCertificateSigningRequest(csr: Csr): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec ?? {};
  if (!spec.request) errs.push(required("spec.request"));
  else {
    const parsed = parseCertificateRequest(spec.request);
    if (typeof parsed === "string") errs.push(invalid("spec.request", spec.request, parsed));
  }
  if (!spec.signerName) errs.push(required("spec.signerName"));
  else if (!validSignerName(spec.signerName)) errs.push(invalid("spec.signerName", spec.signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
  if (spec.expirationSeconds !== undefined && spec.expirationSeconds < 600) {
    errs.push(invalid("spec.expirationSeconds", spec.expirationSeconds, "may not specify a duration less than 600 seconds (10 minutes)"));
  }
  if (!spec.usages || spec.usages.length === 0) errs.push(required("spec.usages"));
  const usages = new Set<string>();
  (spec.usages ?? []).forEach((u, i) => {
    if (!KEY_USAGES.includes(u)) errs.push(notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    else if (usages.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
    usages.add(u);
  });
  errs.push(...validateConditions(csr.status?.conditions));
  return errs;
}
