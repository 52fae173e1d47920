import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, resolve } from "node:path";
import { parse } from "yaml";

/**
 * Reading kubeconfig files as kubectl (client-go's clientcmd) does:
 *
 * - `--kubeconfig FILE` reads that file alone; it must exist. Otherwise `$KUBECONFIG` lists files
 *   (`:`-separated) that are merged: a cluster, user or context is taken from the first file that names
 *   it, `current-context` from the first file that sets it; files that don't exist are skipped. Neither:
 *   `~/.kube/config`.
 * - cluster: `server`, `certificate-authority` (a file) or `certificate-authority-data` (base64 PEM),
 *   `insecure-skip-tls-verify`, `tls-server-name`.
 * - user: `client-certificate` / `client-key` (files) or `-data` (base64 PEM), `token`, `tokenFile` (read
 *   at load; it wins over `token`, as in client-go). Relative file names are relative to the kubeconfig
 *   that holds them.
 * - context: `cluster`, `user`, `namespace`; `current-context`, or the context asked for.
 *
 * Anything wrong (a missing file, YAML that doesn't parse, a context or cluster that isn't there, a
 * credential kubectl would need a plugin for) is one {@link KubeconfigError} whose message says what and where.
 */

/** Where and how to reach the API server, as a kubeconfig's context says. PEM strings, not file names. */
export interface KubeconfigConnection {
  server: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** The context's default namespace. */
  namespace?: string;
  /** The context used. */
  context: string;
}

export class KubeconfigError extends Error {
  override name = "KubeconfigError";
}

type Json = Record<string, unknown>;

interface Named {
  entry: Json;
  /** The directory of the file it came from: relative file names in it are resolved from there. */
  dir: string;
  file: string;
}

interface Merged {
  currentContext?: string;
  clusters: Map<string, Named>;
  users: Map<string, Named>;
  contexts: Map<string, Named>;
}

function isMap(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readConfig(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig "${file}": ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new KubeconfigError(`kubeconfig "${file}" is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new KubeconfigError(`kubeconfig "${file}" is not a mapping`);
  return doc;
}

/** Adds one file's entries to `into`, keeping what an earlier file already named. */
function mergeFile(into: Merged, file: string, doc: Json): void {
  const dir = dirname(resolve(file));
  if (into.currentContext === undefined && typeof doc["current-context"] === "string" && doc["current-context"] !== "") into.currentContext = doc["current-context"];
  for (const [list, field, map] of [["clusters", "cluster", into.clusters], ["users", "user", into.users], ["contexts", "context", into.contexts]] as const) {
    const items = doc[list];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items)) throw new KubeconfigError(`kubeconfig "${file}": ${list} must be a list`);
    for (const item of items) {
      if (!isMap(item) || typeof item.name !== "string") throw new KubeconfigError(`kubeconfig "${file}": every entry of ${list} needs a name`);
      const entry = item[field] ?? {};
      if (!isMap(entry)) throw new KubeconfigError(`kubeconfig "${file}": ${list} "${item.name}" has no ${field} mapping`);
      if (!map.has(item.name)) map.set(item.name, { entry, dir, file });
    }
  }
}

/** Which files a client reads: --kubeconfig alone, else $KUBECONFIG's list, else ~/.kube/config. */
export function kubeconfigFiles(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env, home = homedir()): { files: string[]; mustExist: boolean } {
  if (explicit) return { files: [explicit], mustExist: true };
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter((p) => p !== "");
  if (listed.length > 0) return { files: [...new Set(listed)], mustExist: false };
  return { files: [resolve(home, ".kube", "config")], mustExist: true };
}

function text(entry: Named, key: string): string | undefined {
  const v = entry.entry[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw new KubeconfigError(`kubeconfig "${entry.file}": ${key} must be a string`);
  return v;
}

/** A PEM given as `<key>-data` (base64) or as the file `<key>`; `-data` wins, as in client-go. */
function pem(entry: Named, key: string): string | undefined {
  const data = text(entry, `${key}-data`);
  if (data !== undefined) {
    const decoded = Buffer.from(data, "base64").toString("utf8");
    if (!decoded.includes("-----BEGIN")) throw new KubeconfigError(`kubeconfig "${entry.file}": ${key}-data is not base64 of a PEM block`);
    return decoded;
  }
  const file = text(entry, key);
  return file === undefined ? undefined : readReferenced(entry, key, file);
}

function readReferenced(entry: Named, key: string, file: string): string {
  const path = isAbsolute(file) ? file : resolve(entry.dir, file);
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new KubeconfigError(`kubeconfig "${entry.file}": cannot read ${key} "${path}": ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`);
  }
}

/**
 * The connection of a kubeconfig's context (`context`, else current-context), read from `files` as
 * {@link kubeconfigFiles} picks them. Throws a {@link KubeconfigError} on anything malformed or missing.
 */
export function loadKubeconfigFiles(files: string[], opts: { mustExist?: boolean; context?: string } = {}): KubeconfigConnection {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  let read = 0;
  for (const file of files) {
    let doc: Json;
    try {
      doc = readConfig(file);
    } catch (err) {
      if (!opts.mustExist && err instanceof KubeconfigError && err.message.endsWith("no such file")) continue;
      throw err;
    }
    read++;
    mergeFile(merged, file, doc);
  }
  if (read === 0) throw new KubeconfigError(`no kubeconfig found (looked at ${files.join(", ")})`);
  const name = opts.context ?? merged.currentContext;
  if (!name) throw new KubeconfigError(`kubeconfig ${files.join(delimiter)}: current-context is not set`);
  const context = merged.contexts.get(name);
  if (!context) throw new KubeconfigError(`kubeconfig ${files.join(delimiter)}: context "${name}" does not exist`);
  const clusterName = text(context, "cluster");
  const cluster = clusterName === undefined ? undefined : merged.clusters.get(clusterName);
  if (!cluster) throw new KubeconfigError(`kubeconfig ${context.file}: context "${name}" names cluster "${clusterName ?? ""}", which does not exist`);
  const server = text(cluster, "server");
  if (!server) throw new KubeconfigError(`kubeconfig ${cluster.file}: cluster "${clusterName}" has no server`);
  try {
    new URL(server);
  } catch {
    throw new KubeconfigError(`kubeconfig ${cluster.file}: cluster "${clusterName}" has a server that is not a URL: "${server}"`);
  }
  const userName = text(context, "user");
  const user = userName === undefined ? undefined : merged.users.get(userName);
  // A context without a user (or naming one no file has) connects without credentials, as kubectl does.
  const conn: KubeconfigConnection = { server, context: name };
  const ca = pem(cluster, "certificate-authority");
  if (ca !== undefined) conn.ca = ca;
  const insecure = cluster.entry["insecure-skip-tls-verify"];
  if (insecure === true) conn.insecureSkipTLSVerify = true;
  const serverName = text(cluster, "tls-server-name");
  if (serverName !== undefined) conn.tlsServerName = serverName;
  const namespace = text(context, "namespace");
  if (namespace !== undefined) conn.namespace = namespace;
  if (user) {
    if (user.entry.exec !== undefined || user.entry["auth-provider"] !== undefined) {
      throw new KubeconfigError(`kubeconfig ${user.file}: user "${userName}" needs an exec or auth-provider plugin, which this client does not run`);
    }
    const cert = pem(user, "client-certificate");
    const key = pem(user, "client-key");
    if ((cert === undefined) !== (key === undefined)) throw new KubeconfigError(`kubeconfig ${user.file}: user "${userName}" has a client certificate without its key, or a key without its certificate`);
    if (cert !== undefined) {
      conn.cert = cert;
      conn.key = key;
    }
    const tokenFile = text(user, "tokenFile");
    const token = tokenFile !== undefined ? readReferenced(user, "tokenFile", tokenFile).trim() : text(user, "token");
    if (token) conn.token = token;
  }
  return conn;
}

/** The connection kubectl would use: `--kubeconfig FILE` (or `$KUBECONFIG`, or ~/.kube/config), its current context or `context`. */
export function loadKubeconfig(explicit?: string, opts: { context?: string; env?: NodeJS.ProcessEnv } = {}): KubeconfigConnection {
  const { files, mustExist } = kubeconfigFiles(explicit, opts.env);
  return loadKubeconfigFiles(files, { mustExist, context: opts.context });
}
