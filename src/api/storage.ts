/** Well-known names of persistent storage, shared by the API server, the controllers, the scheduler and the node agent. */

/** The built-in provisioner: each volume a directory on the node that first used it. */
export const LOCAL_PROVISIONER = "tugboat.dev/local-path";
/** The StorageClass `tug up` creates and marks default. */
export const DEFAULT_STORAGE_CLASS = "standard";
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
/** Set by the scheduler on a WaitForFirstConsumer claim: the node its first pod goes to. */
export const SELECTED_NODE_ANNOTATION = "volume.kubernetes.io/selected-node";
/** A node agent's directory for local volumes, published on its Node. */
export const LOCAL_VOLUME_DIR_ANNOTATION = "tugboat.dev/local-volume-dir";
