import { normalizeImageRef } from "../runtime/image-ref.js";
import type { PullAuth } from "../runtime/runtime.js";

/**
 * The credentials of a pod's imagePullSecrets (kubernetes.io/dockerconfigjson, or the older
 * kubernetes.io/dockercfg) that apply to an image, in the order the kubelet's keyring tries them: every
 * secret's entries whose registry matches the image's — the host, and the path prefix when the entry names
 * one. Docker Hub's entries may be spelled `https://index.docker.io/v1/`, `docker.io` or `registry-1.docker.io`.
 *
 * E.g. `{"auths":{"127.0.0.1:5000":{"auth":"dXNlcjpwdw=="}}}` gives user / pw for `127.0.0.1:5000/web:1`
 * and nothing for `busybox`.
 */

interface DockerConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
  identitytoken?: string;
}

const DOCKER_HUB = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** An entry's key as host + path: `https://host:5000/v2/` → `host:5000`, `host/team` → `host/team`. */
function registryOf(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  k = k.replace(/\/v[12]$/, "");
  const [host = "", ...path] = k.split("/");
  const h = DOCKER_HUB.has(host) ? "docker.io" : host;
  return [h, ...path].join("/");
}

function entries(secret: Record<string, Buffer>): Record<string, DockerConfigEntry> {
  try {
    if (secret[".dockerconfigjson"]) return (JSON.parse(secret[".dockerconfigjson"].toString("utf8")) as { auths?: Record<string, DockerConfigEntry> }).auths ?? {};
    if (secret[".dockercfg"]) return JSON.parse(secret[".dockercfg"].toString("utf8")) as Record<string, DockerConfigEntry>;
  } catch {
    // A secret that isn't JSON holds no credentials, as the kubelet's keyring skips it.
  }
  return {};
}

function credentials(e: DockerConfigEntry, server: string): PullAuth | undefined {
  let { username, password } = e;
  if ((!username || password === undefined) && e.auth) {
    const plain = Buffer.from(e.auth, "base64").toString("utf8");
    const colon = plain.indexOf(":");
    if (colon > 0) [username, password] = [plain.slice(0, colon), plain.slice(colon + 1)];
  }
  if (!username && !e.identitytoken) return undefined;
  return { username: username ?? "", password: password ?? "", serverAddress: server, ...(e.identitytoken ? { identityToken: e.identitytoken } : {}) };
}

export function pullCredentials(image: string, secrets: ReadonlyArray<Record<string, Buffer>>): PullAuth[] {
  // The repository without tag or digest: 127.0.0.1:5000/web:1 → 127.0.0.1:5000/web.
  const full = normalizeImageRef(image).replace(/@.*$/, "").replace(/:[^/]*$/, "");
  const out: PullAuth[] = [];
  for (const secret of secrets) {
    for (const [key, entry] of Object.entries(entries(secret))) {
      const registry = registryOf(key);
      if (!(full === registry || full.startsWith(`${registry}/`))) continue;
      const host = registry.split("/")[0]!;
      // As a URL: containerd compares its host with the endpoint it pulls from (Docker Hub's is registry-1.docker.io).
      const c = credentials(entry, `https://${host === "docker.io" ? "registry-1.docker.io" : host}`);
      if (c) out.push(c);
    }
  }
  return out;
}
