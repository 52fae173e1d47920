import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * The cluster's certificate authority and what it signs: client certificates (CN = user name, O = groups,
 * the clientAuth usage — what the API server's x509 authenticator reads, as upstream's) and serving
 * certificates (serverAuth, with the names and addresses they serve). Keys are ECDSA P-256, as kubeadm's
 * default today; everything is PEM. Pure computation: the caller gives `now`, the caller stores the files.
 */

/** A certificate and its private key, PEM (the key PKCS#8). */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

export const KEY_ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

const YEAR_MS = 365 * 24 * 3600 * 1000;
/** Certificates start to be valid a little before they are made, for clocks slightly behind ours. */
const BACKDATE_MS = 5 * 60_000;

export type Usage = "client" | "server" | "client-server";

export interface IssueOptions {
  /** The subject's CN: the user name of a client certificate. */
  commonName: string;
  /** The subject's O entries: the groups of a client certificate. */
  organizations?: string[];
  usage: Usage;
  /** DNS names and IP addresses of a serving certificate (subjectAltName). */
  hosts?: string[];
  now: Date;
  /** How long it is valid from `now` (default one year; kubeadm's default for what it issues). */
  validForMs?: number;
  /** Explicit validity bounds (tests of expired and not-yet-valid certificates); override now/validForMs. */
  notBefore?: Date;
  notAfter?: Date;
  /** The subject's public key (from a CSR); absent: a new key pair is made and its private key returned. */
  publicKey?: CryptoKey;
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]) as unknown as CryptoKeyPair;
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return await webcrypto.subtle.importKey("pkcs8", der, KEY_ALGORITHM, false, ["sign"]) as unknown as CryptoKey;
}

/** A positive random 128-bit serial number, as RFC 5280 asks of CAs (at most 20 octets, unpredictable). */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return Buffer.from(bytes).toString("hex");
}

/** Escapes a value for an RFC 4514 distinguished name (`,` `+` `"` `\` `<` `>` `;` `=`, leading `#`/space, trailing space). */
function dnValue(value: string): string {
  return value.replace(/[,+"\\<>;=]/g, (c) => `\\${c}`).replace(/^([#\s])/, "\\$1").replace(/\s$/, "\\ ");
}

/** A new self-signed CA (CN `commonName`), valid ten years from `now`, as kubeadm's. */
export async function createCertificateAuthority(now: Date, commonName = "tugboat-ca"): Promise<CertificateAndKey> {
  const keys = await generateKeyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${dnValue(commonName)}`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + 10 * YEAR_MS),
    keys,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: ca.toString("pem"), key: await exportPrivateKey(keys.privateKey) };
}

function subjectAltNames(hosts: string[]): x509.SubjectAlternativeNameExtension {
  const isIP = (h: string) => /^[\d.]+$/.test(h) || h.includes(":");
  return new x509.SubjectAlternativeNameExtension(hosts.map((h) => (isIP(h) ? { type: "ip" as const, value: h } : { type: "dns" as const, value: h })));
}

/**
 * A certificate for `opts.commonName` signed by `ca`. Returns the certificate, and the private key when
 * the key pair was made here (no `publicKey` given).
 */
export async function issueCertificate(ca: CertificateAndKey, opts: IssueOptions): Promise<{ cert: string; key?: string }> {
  const caCert = new x509.X509Certificate(ca.cert);
  const signingKey = await importPrivateKey(ca.key);
  const made = opts.publicKey ? undefined : await generateKeyPair();
  const publicKey = opts.publicKey ?? made!.publicKey;
  const subject = [`CN=${dnValue(opts.commonName)}`, ...(opts.organizations ?? []).map((o) => `O=${dnValue(o)}`)].join(", ");
  const usages = opts.usage === "client" ? [x509.ExtendedKeyUsage.clientAuth]
    : opts.usage === "server" ? [x509.ExtendedKeyUsage.serverAuth]
      : [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth];
  const hosts = [...new Set(opts.hosts ?? [])];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: caCert.subject,
    notBefore: opts.notBefore ?? new Date(opts.now.getTime() - BACKDATE_MS),
    notAfter: opts.notAfter ?? new Date(opts.now.getTime() + (opts.validForMs ?? YEAR_MS)),
    signingKey,
    publicKey,
    signingAlgorithm: KEY_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages, false),
      ...(hosts.length > 0 ? [subjectAltNames(hosts)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { cert: cert.toString("pem"), ...(made ? { key: await exportPrivateKey(made.privateKey) } : {}) };
}

/** The subject of a client certificate as upstream's x509 authenticator reads it: CN the user, O the groups. */
export function certificateSubject(pem: string): { commonName: string; organizations: string[] } {
  const cert = new x509.X509Certificate(pem);
  return { commonName: cert.subjectName.getField("CN")[0] ?? "", organizations: cert.subjectName.getField("O") };
}

/** Whether `pem` parses as a certificate whose public key is the one of the PKCS#8 private key `keyPem`. */
export async function isKeyOf(pem: string, keyPem: string): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(pem);
    const priv = await webcrypto.subtle.importKey("pkcs8", x509.PemConverter.decodeFirst(keyPem), KEY_ALGORITHM, true, ["sign"]);
    const jwk = await webcrypto.subtle.exportKey("jwk", priv);
    const pub = await webcrypto.subtle.exportKey("jwk", await cert.publicKey.export() as unknown as webcrypto.CryptoKey);
    return jwk.x === pub.x && jwk.y === pub.y;
  } catch {
    return false;
  }
}

/**
 * A new key pair and a PKCS#10 request (CN `commonName`, O `organizations`), PEM; with `hosts`, a
 * subjectAltName of those DNS names and IP addresses (a serving certificate's request).
 */
export async function createCertificateRequest(commonName: string, organizations: string[] = [], hosts: string[] = []): Promise<{ csr: string; key: string }> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [`CN=${dnValue(commonName)}`, ...organizations.map((o) => `O=${dnValue(o)}`)].join(", "),
    keys, signingAlgorithm: KEY_ALGORITHM,
    ...(hosts.length > 0 ? { extensions: [subjectAltNames([...new Set(hosts)])] } : {}),
  });
  return { csr: csr.toString("pem"), key: await exportPrivateKey(keys.privateKey) };
}

/** The subjectAltName entries of a request, by kind (what upstream's signers check: DNS, IP, email, URI). */
export interface RequestedNames {
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

/** What a signer needs of a PKCS#10 request: its subject, alternative names, whether its signature holds, its public key. */
export async function readCertificateRequest(pem: string): Promise<{ commonName: string; organizations: string[]; signatureValid: boolean; publicKey: CryptoKey } & RequestedNames> {
  const csr = new x509.Pkcs10CertificateRequest(pem);
  const names: RequestedNames = { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  for (const ext of csr.extensions) {
    if (!(ext instanceof x509.SubjectAlternativeNameExtension)) continue;
    for (const n of ext.names.items) {
      if (n.type === "dns") names.dnsNames.push(n.value);
      else if (n.type === "ip") names.ipAddresses.push(n.value);
      else if (n.type === "email") names.emailAddresses.push(n.value);
      else if (n.type === "url") names.uris.push(n.value);
    }
  }
  return {
    commonName: csr.subjectName.getField("CN")[0] ?? "",
    organizations: csr.subjectName.getField("O"),
    ...names,
    signatureValid: await csr.verify(),
    publicKey: await csr.publicKey.export(),
  };
}
