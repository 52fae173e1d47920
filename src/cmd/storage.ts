import { isAlreadyExists } from "../api/errors.js";
import { DEFAULT_CLASS_ANNOTATION, DEFAULT_STORAGE_CLASS, LOCAL_PROVISIONER } from "../api/storage.js";
import type { RestClient } from "../client/rest.js";
import { STORAGECLASSES } from "../client/resources.js";

/**
 * The default StorageClass `tug up` creates, as kind's `standard`: the built-in local provisioner, a
 * volume made on the node of the claim's first pod (WaitForFirstConsumer), deleted with its claim.
 */
export async function ensureDefaultStorageClass(client: RestClient): Promise<void> {
  try {
    await client.create(STORAGECLASSES, undefined, {
      apiVersion: "storage.k8s.io/v1", kind: "StorageClass",
      metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
      provisioner: LOCAL_PROVISIONER, reclaimPolicy: "Delete", volumeBindingMode: "WaitForFirstConsumer",
    });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}
