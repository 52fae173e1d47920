import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { isMap, isSeq, parse, parseDocument, stringify, type Document } from "yaml";

/** The name of the cluster, user and context `tug up` writes into a user's kubeconfig. */
export const CONTEXT = "tugboat";

/** How a kubeconfig's user proves who it is: a client certificate and key (PEM), or a bearer token. */
export type KubeconfigCredentials = { clientCertificate: string; clientKey: string } | { token: string };

/** A kubeconfig for the admin user (or any other, given its credentials), usable by real kubectl. */
export function adminKubeconfig(server: string, caPem: string, credentials: KubeconfigCredentials, user = "admin"): string {
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "tugboat", cluster: { server, "certificate-authority-data": b64(caPem) } }],
    users: [{ name: user, user: "token" in credentials
      ? { token: credentials.token }
      : { "client-certificate-data": b64(credentials.clientCertificate), "client-key-data": b64(credentials.clientKey) } }],
    contexts: [{ name: "tugboat", context: { cluster: "tugboat", user, namespace: "default" } }],
    "current-context": "tugboat",
    preferences: {},
  });
}

/**
 * The kubeconfig file `--write-kubeconfig-context` merges into, as kubectl, kind and k3d choose it: the
 * first file of $KUBECONFIG, else ~/.kube/config.
 */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  const first = (env.KUBECONFIG ?? "").split(delimiter).find((p) => p !== "");
  return first ? resolve(first) : join(home, ".kube", "config");
}

interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

/** Replaces the entry called `entry.name` in the list at `key`, or appends it; other entries stay as they were. */
function upsert(doc: Document, key: string, entry: NamedEntry): void {
  const list = doc.get(key, true);
  if (!isSeq(list)) {
    doc.set(key, doc.createNode([entry]));
    return;
  }
  const i = list.items.findIndex((item) => isMap(item) && item.get("name") === entry.name);
  if (i >= 0) list.items[i] = doc.createNode(entry);
  else list.items.push(doc.createNode(entry));
}

/**
 * `existing` (a user's kubeconfig, or nothing) with a `tugboat` cluster, user and context made from
 * `ours` (tug up's own kubeconfig) and `current-context: tugboat`. Every other cluster, user, context,
 * preference and comment is kept as it was. A file that is not a kubeconfig is refused, never overwritten.
 */
export function mergeKubeconfig(existing: string | undefined, ours: string): string {
  const own = parse(ours) as { clusters: Array<{ cluster: unknown }>; users: Array<{ user: unknown }> };
  const doc = existing?.trim() ? parseDocument(existing) : parseDocument("apiVersion: v1\nkind: Config\npreferences: {}\n");
  if (doc.errors.length > 0) throw new Error(`not a kubeconfig (YAML): ${doc.errors[0]!.message}`);
  if (!isMap(doc.contents)) throw new Error("not a kubeconfig: the document is not a mapping");
  upsert(doc, "clusters", { name: CONTEXT, cluster: own.clusters[0]!.cluster });
  upsert(doc, "users", { name: CONTEXT, user: own.users[0]!.user });
  upsert(doc, "contexts", { name: CONTEXT, context: { cluster: CONTEXT, user: CONTEXT, namespace: "default" } });
  doc.set("current-context", CONTEXT);
  return doc.toString();
}

/**
 * `--write-kubeconfig-context`: merges the `tugboat` context into `file` (see {@link mergeKubeconfig}) and
 * makes it current, as `kind create cluster` does. The file is written with mode 0600 (it holds a key or a token).
 */
export function writeKubeconfigContext(file: string, ours: string): void {
  const existing = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  let merged: string;
  try {
    merged = mergeKubeconfig(existing, ours);
  } catch (err) {
    throw new Error(`Cannot write the tugboat context into ${file}: ${(err as Error).message}`, { cause: err });
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, merged, { mode: 0o600 });
  chmodSync(file, 0o600);
}
