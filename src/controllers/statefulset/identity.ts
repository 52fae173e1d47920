import type { StatefulSetSpec } from "kubernetes-types/apps/v1.js";
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from "kubernetes-types/core/v1.js";
import type { KubeObject } from "../../api/types.js";
import { REVISION_HASH_LABEL } from "../kit/history.js";
import { controllerRef } from "../kit/owner.js";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/** The ordinal in a StatefulSet pod's name `<set>-<ordinal>`, or undefined for a pod not named so. */
export function ordinalOf(setName: string, pod: Pick<Pod, "metadata">): number | undefined {
  const name = pod.metadata?.name ?? "";
  if (!name.startsWith(`${setName}-`)) return undefined;
  const rest = name.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function claimName(template: PersistentVolumeClaim, podName: string): string {
  return `${template.metadata?.name}-${podName}`;
}

/** The pod's volumes with each volumeClaimTemplate's claim (replacing a template volume of the same name). */
function withClaimVolumes(volumes: Volume[] | undefined, templates: PersistentVolumeClaim[], podName: string): Volume[] | undefined {
  if (templates.length === 0) return volumes;
  const claims = new Set(templates.map((t) => t.metadata?.name));
  return [
    ...(volumes ?? []).filter((v) => !claims.has(v.name)),
    ...templates.map((t) => ({ name: t.metadata!.name!, persistentVolumeClaim: { claimName: claimName(t, podName) } })),
  ];
}

/**
 * Upstream's newVersionedStatefulSetPod: pod `<set>-<ordinal>` from a revision's template, with its stable
 * identity (hostname = its name, subdomain = serviceName, the pod-name and pod-index labels), its claims
 * as volumes, and the revision it was made from.
 */
export function statefulPod(set: KubeObject, template: PodTemplateSpec, ordinal: number, revision: string): KubeObject {
  const spec = (set.spec ?? {}) as StatefulSetSpec;
  const name = `${set.metadata.name}-${ordinal}`;
  const podSpec = { ...(template.spec ?? { containers: [] }) };
  podSpec.hostname = name;
  if (spec.serviceName) podSpec.subdomain = spec.serviceName;
  podSpec.volumes = withClaimVolumes(podSpec.volumes, spec.volumeClaimTemplates ?? [], name);
  return {
    apiVersion: "v1", kind: "Pod",
    metadata: {
      name, namespace: set.metadata.namespace,
      labels: { ...template.metadata?.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_HASH_LABEL]: revision },
      annotations: template.metadata?.annotations, finalizers: template.metadata?.finalizers,
      ownerReferences: [controllerRef(set, "apps/v1", "StatefulSet")],
    },
    spec: podSpec,
  };
}

/** The claim for one volumeClaimTemplate of pod `podName`: labelled with the set's selector, owned as the retention policy says. */
export function statefulClaim(set: KubeObject, template: PersistentVolumeClaim, podName: string): KubeObject {
  const spec = (set.spec ?? {}) as StatefulSetSpec;
  const owned = spec.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete";
  return {
    apiVersion: "v1", kind: "PersistentVolumeClaim",
    metadata: {
      name: claimName(template, podName), namespace: set.metadata.namespace,
      labels: { ...template.metadata?.labels, ...spec.selector?.matchLabels },
      annotations: template.metadata?.annotations,
      ownerReferences: owned ? [{ ...controllerRef(set, "apps/v1", "StatefulSet"), controller: undefined }] : undefined,
    },
    spec: template.spec,
  };
}
