import { isNotFound, StatusError } from "../api/errors.js";
import { generatedName } from "../api/meta.js";
import type { KubeObject } from "../api/types.js";
import type { RestStore } from "./registry/rest.js";
import type { ResourceInfo } from "./resource.js";

type Json = Record<string, unknown>;

/** Where the admission plugin mounts the token, CA and namespace (upstream's DefaultAPITokenMountPath). */
export const DEFAULT_API_TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
/** The projected volume's name prefix (upstream's ServiceAccountVolumeName); five random characters follow. */
export const SERVICE_ACCOUNT_VOLUME_NAME = "kube-api-access";
const MIRROR_POD_ANNOTATION = "kubernetes.io/config.mirror";
/** Upstream's WarnOnlyBoundTokenExpirationSeconds: an hour and seven seconds. */
const TOKEN_EXPIRATION_SECONDS = 3607;

/** Upstream's TokenVolumeSource: the token, the cluster CA (kube-root-ca.crt) and the namespace, mode 0644. */
export function tokenVolumeSource(): Json {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_EXPIRATION_SECONDS, path: "token" } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ],
  };
}

const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

/**
 * Upstream's mountServiceAccountToken: every init container and container without a mount at
 * {@link DEFAULT_API_TOKEN_MOUNT_PATH} gets a read-only one of the pod's `kube-api-access-*` volume,
 * which is added (a projected {@link tokenVolumeSource}) when a container needs it and the pod has none.
 */
export function mountServiceAccountToken(spec: Json, volumeName: () => string = () => generatedName(`${SERVICE_ACCOUNT_VOLUME_NAME}-`)): void {
  const volumes = list(spec.volumes);
  const existing = volumes.find((v) => typeof v.name === "string" && v.name.startsWith(`${SERVICE_ACCOUNT_VOLUME_NAME}-`));
  const name = (existing?.name as string | undefined) ?? volumeName();
  let needed = false;
  for (const c of [...list(spec.initContainers), ...list(spec.containers)]) {
    const mounts = list(c.volumeMounts);
    if (mounts.some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...mounts, { name, readOnly: true, mountPath: DEFAULT_API_TOKEN_MOUNT_PATH }];
    needed = true;
  }
  if (!existing && needed) spec.volumes = [...volumes, { name, projected: tokenVolumeSource() }];
}

/**
 * Upstream's ServiceAccount admission plugin, for pod creates (mirror pods are left alone): the pod runs
 * as `default` unless it names an account, that account must exist (403 otherwise), and unless
 * automountServiceAccountToken is false on the pod — or, when the pod doesn't say, on the account — the
 * token volume is mounted into every container ({@link mountServiceAccountToken}); a pod naming no
 * imagePullSecrets gets the account's.
 *
 * The token volume is mounted only when `mountToken` (the server issues tokens: it has a signing key, as
 * kube-apiserver always does); without, pods are admitted as before, with no volume their node could fill.
 *
 * One deliberate difference: upstream retries a missing `default` account for about a second and then
 * refuses the pod. Here a pod may name a `default` that doesn't exist yet (the ServiceAccounts controller
 * creates it moments after the namespace, and an API server alone has no such controller); it gets the
 * token volume, and the node agent's TokenRequest succeeds once the account exists.
 */
export function serviceAccountAdmission(serviceAccounts: () => RestStore, opts: { mountToken: boolean }) {
  return async (resource: ResourceInfo, obj: KubeObject): Promise<void> => {
    if (resource.plural !== "pods" || resource.group !== "") return;
    if (obj.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined) return;
    const spec = (obj.spec ??= {}) as Json;
    if (typeof spec.serviceAccountName !== "string" || spec.serviceAccountName === "") spec.serviceAccountName = "default";
    spec.serviceAccount = spec.serviceAccountName;
    const sa = spec.serviceAccountName as string;
    const ns = obj.metadata.namespace!;
    let account: KubeObject | undefined;
    try {
      account = await serviceAccounts().get(ns, sa);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (sa !== "default") {
        // Admission runs before the name is generated, so a generateName shows as itself.
        const name = obj.metadata.generateName ?? obj.metadata.name ?? "";
        throw new StatusError(403, "Forbidden", `pods "${name}" is forbidden: error looking up service account ${ns}/${sa}: serviceaccount "${sa}" not found`, {
          name, kind: "pods",
        });
      }
    }
    const automount = typeof spec.automountServiceAccountToken === "boolean"
      ? spec.automountServiceAccountToken
      : (account as { automountServiceAccountToken?: boolean } | undefined)?.automountServiceAccountToken ?? true;
    if (automount && opts.mountToken) mountServiceAccountToken(spec);
    // A pod naming no imagePullSecrets gets its account's.
    const pullSecrets = list((account as { imagePullSecrets?: unknown } | undefined)?.imagePullSecrets);
    if (list(spec.imagePullSecrets).length === 0 && pullSecrets.length > 0) spec.imagePullSecrets = pullSecrets.map((s) => ({ name: s.name }));
  };
}
