import { isNotFound, StatusError } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import type { RestStore } from "./registry/rest.js";
import type { ResourceInfo } from "./resource.js";

/**
 * Upstream's ServiceAccount admission, as far as Tugboat has service accounts: a pod naming a service
 * account other than `default` is refused (403) unless that account exists in its namespace. (No token
 * controller creates `default` accounts here, so `default` is not checked.)
 */
export function serviceAccountAdmission(serviceAccounts: () => RestStore) {
  return async (resource: ResourceInfo, obj: KubeObject): Promise<void> => {
    if (resource.plural !== "pods" || resource.group !== "") return;
    const sa = (obj.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
    if (!sa || sa === "default") return;
    const ns = obj.metadata.namespace!;
    try {
      await serviceAccounts().get(ns, sa);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // Admission runs before the name is generated, so a generateName shows as itself.
      const name = obj.metadata.generateName ?? obj.metadata.name ?? "";
      throw new StatusError(403, "Forbidden", `pods "${name}" is forbidden: error looking up service account ${ns}/${sa}: serviceaccount "${sa}" not found`, {
        name, kind: "pods",
      });
    }
  };
}
