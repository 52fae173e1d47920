import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateServiceAccountKey, loadServiceAccountKey, type ServiceAccountKey } from "../apiserver/auth/serviceaccount/index.js";

/**
 * The service account signing key, DIR/pki/sa.key (kubeadm's name): created at first start, read ever
 * after, so tokens issued before a restart stay valid. The API server signs and verifies with it; the
 * controller manager signs legacy Secret-based tokens with it (--service-account-private-key-file).
 */
export async function loadOrCreateServiceAccountKey(dataDir: string): Promise<ServiceAccountKey> {
  const file = join(dataDir, "pki", "sa.key");
  if (existsSync(file)) {
    return loadServiceAccountKey(readFileSync(file, "utf8")).catch((err: unknown) => {
      throw new Error(`Reading the service account signing key ${file} failed (want a PKCS#8 RSA private key): ${err instanceof Error ? err.message : String(err)}`);
    });
  }
  mkdirSync(join(dataDir, "pki"), { recursive: true, mode: 0o700 });
  const key = await generateServiceAccountKey();
  writeFileSync(file, key.pem, { mode: 0o600 });
  return key;
}
