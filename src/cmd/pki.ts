import { randomBytes, X509Certificate } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCertificateAuthority, isKeyOf, issueCertificate, type CertificateAndKey } from "../api/pki/certificates.js";
import { apiServerCertificate, type ServingCerts } from "../apiserver/tls.js";
import type { Log } from "./logger.js";

/** The admin's client certificate: kubeadm's kubernetes-admin, in the group every authorizer lets through. */
export const ADMIN = { user: "kubernetes-admin", groups: ["system:masters"] } as const;

/** What `tug up` keeps under DIR/pki: the cluster CA (with its key), the API server's and the admin's certificates, the static token. */
export interface Pki {
  ca: CertificateAndKey;
  serving: ServingCerts;
  admin: CertificateAndKey;
  token: string;
}

/** A certificate is issued again this long before it expires. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

function files(dataDir: string) {
  const pki = join(dataDir, "pki");
  return {
    dir: pki,
    caCert: join(pki, "ca.crt"), caKey: join(pki, "ca.key"),
    cert: join(pki, "apiserver.crt"), key: join(pki, "apiserver.key"),
    adminCert: join(pki, "admin.crt"), adminKey: join(pki, "admin.key"),
    token: join(pki, "admin.token"),
  };
}

function read(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, "utf8") : undefined;
}

/** Writes `text`; a private key or token only its owner may read (0600, also when the file was there before). */
function write(file: string, text: string, secret: boolean): void {
  writeFileSync(file, text, { mode: secret ? 0o600 : 0o644 });
  if (secret) chmodSync(file, 0o600);
}

/** The certificate is valid for this IP address or DNS name. */
function covers(cert: string, host: string): boolean {
  const parsed = new X509Certificate(cert);
  return /^[\d.]+$|:/.test(host) ? parsed.checkIP(host) !== undefined : parsed.checkHost(host) !== undefined;
}

/** A certificate and key pair read back, if both are there, belong together, chain to `ca` and are good past the renewal point. */
async function usable(cert: string | undefined, key: string | undefined, ca: CertificateAndKey, now: Date): Promise<CertificateAndKey | undefined> {
  if (cert === undefined || key === undefined) return undefined;
  try {
    const parsed = new X509Certificate(cert);
    if (!parsed.verify(new X509Certificate(ca.cert).publicKey)) return undefined;
    if (Date.parse(parsed.validTo) - now.getTime() < RENEW_BEFORE_MS) return undefined;
  } catch {
    return undefined;
  }
  return (await isKeyOf(cert, key)) ? { cert, key } : undefined;
}

/**
 * Reads the cluster's PKI from DIR/pki, making what is missing: the CA (ca.crt, and its key ca.key, 0600),
 * the API server's serving certificate, the admin's client certificate (CN kubernetes-admin, O
 * system:masters) and the static admin token. A data dir from before the CA key was kept (a ca.crt with
 * no ca.key) gets a new CA and new certificates — logged once: kubeconfigs trusting the old CA are stale.
 */
export async function loadOrCreatePki(dataDir: string, log: Log, hosts: string[] = [], now = new Date()): Promise<Pki> {
  const f = files(dataDir);
  mkdirSync(f.dir, { recursive: true, mode: 0o700 });
  const caCert = read(f.caCert);
  const caKey = read(f.caKey);
  let ca: CertificateAndKey;
  let fresh = false;
  if (caCert !== undefined && caKey !== undefined && await isKeyOf(caCert, caKey)) {
    ca = { cert: caCert, key: caKey };
  } else {
    if (caCert !== undefined) {
      log({ level: "warn", msg: "The data dir's CA has no usable private key (pki/ca.key): made a new CA and certificates; kubeconfigs that trust the old CA must be replaced", dir: f.dir });
    }
    ca = await createCertificateAuthority(now);
    write(f.caKey, ca.key, true);
    write(f.caCert, ca.cert, false);
    fresh = true;
  }
  let serving = fresh ? undefined : await usable(read(f.cert), read(f.key), ca, now);
  // A serving certificate from before it had to carry `hosts` (the kubernetes Service's IP) is issued again.
  if (serving && !hosts.every((h) => covers(serving!.cert, h))) serving = undefined;
  if (!serving) {
    const issued = await apiServerCertificate(ca, hosts, now);
    serving = { cert: issued.cert, key: issued.key };
    write(f.key, serving.key, true);
    write(f.cert, serving.cert, false);
  }
  let admin = fresh ? undefined : await usable(read(f.adminCert), read(f.adminKey), ca, now);
  if (!admin) {
    const issued = await issueCertificate(ca, { commonName: ADMIN.user, organizations: [...ADMIN.groups], usage: "client", now });
    admin = { cert: issued.cert, key: issued.key! };
    write(f.adminKey, admin.key, true);
    write(f.adminCert, admin.cert, false);
  }
  let token = read(f.token)?.trim();
  if (!token) {
    token = randomBytes(24).toString("hex");
    write(f.token, token, true);
  }
  return { ca, serving: { caCert: ca.cert, cert: serving.cert, key: serving.key }, admin, token };
}
