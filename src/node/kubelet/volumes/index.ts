/**
 * The kubelet's volumes: set-up of each volume kind (set-up.ts), the files of configMap, secret,
 * downwardAPI and projected volumes (payload.ts, downward-api.ts) written by the atomic writer
 * (atomic-writer.ts) and owned by the pod's fsGroup (ownership.ts), what the set-up reads (sources.ts),
 * and each container's mounts (mounts.ts).
 */
export { containerMounts, expandSubPathExpr } from "./mounts.js";
export { MountError, refreshVolumes, setUpVolumes } from "./set-up.js";
export { gatherVolumeSources, volumeObjectRefs, type TokenRequestSpec, type VolumeFetchers } from "./sources.js";
export type { VolumeSources } from "./payload.js";
export type { NodeAllocatable } from "./downward-api.js";
