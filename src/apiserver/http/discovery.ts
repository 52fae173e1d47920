import { apiVersionOf, type ResourceInfo, type Subresource } from "../resource.js";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

interface SubresourceShape {
  verbs: string[];
  group?: string;
  version?: string;
  kind?: string;
}

function subresourceShape(sub: Subresource, r: ResourceInfo): SubresourceShape {
  switch (sub) {
    case "status": return { verbs: ["get", "patch", "update"], kind: r.kind };
    case "scale": return { verbs: ["get", "patch", "update"], group: "autoscaling", version: "v1", kind: "Scale" };
    case "log": return { verbs: ["get"], kind: "Pod" };
    case "binding": return { verbs: ["create"], kind: "Binding" };
    case "eviction": return { verbs: ["create"], group: "policy", version: "v1", kind: "Eviction" };
    case "finalize": return { verbs: ["update"], kind: r.kind };
    case "approval": return { verbs: ["get", "patch", "update"], kind: r.kind };
    case "ephemeralcontainers": return { verbs: ["get", "patch", "update"], kind: "Pod" };
    case "token": return { verbs: ["create"], group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" };
    default: return { verbs: ["create", "delete", "get", "patch", "update"], kind: "Pod" };
  }
}

export function groupsOf(resources: ResourceInfo[]): Array<{ group: string; version: string; resources: ResourceInfo[] }> {
  const map = new Map<string, { group: string; version: string; resources: ResourceInfo[] }>();
  for (const r of resources) {
    const key = apiVersionOf(r);
    if (!map.has(key)) map.set(key, { group: r.group, version: r.version, resources: [] });
    map.get(key)!.resources.push(r);
  }
  return [...map.values()];
}

/** GET /api/v1, /apis/apps/v1: the legacy APIResourceList. */
export function resourceList(group: string, version: string, resources: ResourceInfo[]): unknown {
  const out: unknown[] = [];
  for (const r of resources) {
    out.push({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs ?? VERBS,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}), ...(r.categories ? { categories: r.categories } : {}) });
    for (const sub of r.subresources) {
      const shape = subresourceShape(sub, r);
      out.push({ name: `${r.plural}/${sub}`, singularName: "", namespaced: r.namespaced,
        ...(shape.group ? { group: shape.group, version: shape.version } : {}), kind: shape.kind, verbs: shape.verbs });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: group ? `${group}/${version}` : version, resources: out };
}

export function apiVersions(serverAddress: string): unknown {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

export function apiGroup(group: string, version: string): unknown {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { kind: "APIGroup", apiVersion: "v1", name: group, versions: [gv], preferredVersion: gv };
}

export function apiGroupList(resources: ResourceInfo[]): unknown {
  const groups = groupsOf(resources).filter((g) => g.group !== "");
  return { kind: "APIGroupList", apiVersion: "v1", groups: groups.map((g) => {
    const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g.group, g.version) as Record<string, unknown>;
    return rest;
  }) };
}

/** Which aggregated discovery version the Accept header asks for (kubectl 1.30+: v2, older: v2beta1). */
export function aggregatedVersion(accept: string | undefined): "v2" | "v2beta1" | undefined {
  for (const part of (accept ?? "").split(",")) {
    if (!part.includes("as=APIGroupDiscoveryList") || !part.includes("g=apidiscovery.k8s.io")) continue;
    if (/v=v2beta1/.test(part)) return "v2beta1";
    if (/v=v2(;|$)/.test(part)) return "v2";
  }
  return undefined;
}

/** The aggregated discovery document for /api (legacy) or /apis. */
export function aggregatedDiscovery(resources: ResourceInfo[], legacy: boolean, version: "v2" | "v2beta1"): unknown {
  const groups = groupsOf(resources).filter((g) => (g.group === "") === legacy);
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: [{
        version: g.version,
        freshness: "Current",
        resources: g.resources.map((r) => ({
          resource: r.plural,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? "Namespaced" : "Cluster",
          singularResource: r.singular,
          verbs: r.verbs ?? VERBS,
          ...(r.shortNames ? { shortNames: r.shortNames } : {}),
          ...(r.categories ? { categories: r.categories } : {}),
          ...(r.subresources.length ? { subresources: r.subresources.map((sub) => {
            const shape = subresourceShape(sub, r);
            return { subresource: sub, responseKind: { group: shape.group ?? r.group, version: shape.version ?? r.version, kind: shape.kind }, verbs: shape.verbs };
          }) } : {}),
        })),
      }],
    })),
  };
}
