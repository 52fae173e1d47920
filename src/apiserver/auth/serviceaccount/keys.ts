import { signingKeyId } from "../../../api/service-accounts.js";
import { exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importJWK, importPKCS8, type JWK } from "jose";

/** Upstream's default issuer (kube-apiserver --service-account-issuer, as kubeadm sets it). */
export const DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/** The one algorithm service account tokens are signed with: RS256 over an RSA key, as kubeadm's sa.key. */
export const SIGNING_ALG = "RS256";

/**
 * The service account signing key (kube-apiserver's --service-account-signing-key-file and
 * --service-account-key-file in one): the private half signs TokenRequests, the public half verifies
 * tokens and is published as the JWKS. `kid` is upstream's key id: the unpadded base64url SHA-256 of the
 * public key's DER (PKIX) encoding, so tokens and the JWKS name the key as a real cluster would.
 */
export interface ServiceAccountKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  kid: string;
  /** The private key as PKCS#8 PEM (what pki/sa.key holds). */
  pem: string;
}

/** Reads a PKCS#8 PEM RSA private key (pki/sa.key). */
export async function loadServiceAccountKey(pem: string): Promise<ServiceAccountKey> {
  const privateKey = await importPKCS8(pem, SIGNING_ALG, { extractable: true });
  // The public half, derived from the private key's JWK (n, e).
  const { n, e } = await exportJWK(privateKey);
  const publicKey = await importJWK({ kty: "RSA", n, e }, SIGNING_ALG, { extractable: true }) as CryptoKey;
  return { privateKey, publicKey, kid: signingKeyId(await exportSPKI(publicKey)), pem };
}

/** A new 2048-bit RSA signing key (kubeadm's size). */
export async function generateServiceAccountKey(): Promise<ServiceAccountKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true, modulusLength: 2048 });
  return loadServiceAccountKey(await exportPKCS8(privateKey));
}

/** The key as a JWK of the JWKS upstream serves at /openid/v1/jwks. */
export async function publicJwk(key: ServiceAccountKey): Promise<JWK> {
  const { kty, n, e } = await exportJWK(key.publicKey);
  return { use: "sig", kty, kid: key.kid, alg: SIGNING_ALG, n, e };
}
