import type { ResourceRoute } from "./route.js";

/** The connect subresources upstream serves (streams and proxies to the node agent or the pod). */
const CONNECT: Record<string, readonly string[]> = {
  "/pods": ["exec", "attach", "portforward", "proxy"],
  "/services": ["proxy"],
  "/nodes": ["proxy"],
};

/**
 * Which object a connect request names, when it is one: `pods/x/exec`, `services/x/proxy/some/path`,
 * `pods/https:x:8443/proxy` (a proxy id is `[scheme:]name[:port]`, upstream's SplitSchemeNamePort).
 */
export function connectTarget(route: ResourceRoute): { name: string; subresource: string } | undefined {
  const { name, subresource } = route;
  if (name === undefined || subresource === undefined) return undefined;
  if (!CONNECT[`${route.resource.group}/${route.resource.plural}`]?.includes(subresource)) return undefined;
  if (subresource !== "proxy") return { name, subresource };
  const parts = name.split(":");
  return { name: parts.length === 3 ? parts[1]! : parts[0]!, subresource };
}
