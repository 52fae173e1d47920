import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface ServingCerts {
  caCert: string;
  cert: string;
  key: string;
}

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key as unknown as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

/**
 * A self-signed CA and a serving certificate for localhost, 127.0.0.1, the `kubernetes` Service's names and
 * the given hosts (the Service's cluster IP, as upstream's apiserver certificate carries it) (ECDSA P-256).
 */
export async function generateServingCerts(hosts: string[], now = new Date()): Promise<ServingCerts> {
  const notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const caKeys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]) as unknown as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=tugboat-ca",
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(ALG, true, ["sign", "verify"]) as unknown as CryptoKeyPair;
  const names = [...new Set(["localhost", "127.0.0.1", "::1", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", ...hosts])];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: "CN=tugboat-apiserver",
    issuer: ca.subject,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter,
    signingKey: caKeys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(names.map((n) => (/^[\d.]+$|:/.test(n) ? { type: "ip" as const, value: n } : { type: "dns" as const, value: n }))),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return { caCert: ca.toString("pem"), cert: cert.toString("pem"), key: await exportKey(keys.privateKey) };
}
