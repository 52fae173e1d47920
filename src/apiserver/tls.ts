import { createCertificateAuthority, issueCertificate, type CertificateAndKey } from "../api/pki/certificates.js";

export interface ServingCerts {
  caCert: string;
  cert: string;
  key: string;
}

/** The names every API server certificate carries, besides the hosts it is given. */
const API_SERVER_NAMES = ["localhost", "127.0.0.1", "::1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"];

/** A serving certificate for the API server (CN tugboat-apiserver) signed by `ca`, for its usual names and `hosts`. */
export async function apiServerCertificate(ca: CertificateAndKey, hosts: string[], now = new Date()): Promise<ServingCerts> {
  const issued = await issueCertificate(ca, {
    commonName: "tugboat-apiserver", usage: "server", hosts: [...API_SERVER_NAMES, ...hosts], now, validForMs: 10 * 365 * 24 * 3600 * 1000,
  });
  return { caCert: ca.cert, cert: issued.cert, key: issued.key! };
}

/** A new CA and a serving certificate for localhost, 127.0.0.1 and the given hosts (ECDSA P-256); the CA's key is dropped. */
export async function generateServingCerts(hosts: string[], now = new Date()): Promise<ServingCerts> {
  return apiServerCertificate(await createCertificateAuthority(now), hosts, now);
}
