import type { Container, EnvVar, Pod } from "kubernetes-types/core/v1.js";
import { Quantity } from "../../api/quantity.js";

/** ConfigMap and Secret data the container's env refers to (secrets already base64-decoded). */
export interface EnvSources {
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
  /** The service env of the pod's namespace (service-env.ts): under env and envFrom, and for $(VAR) in them. */
  serviceEnv?: Record<string, string>;
}

export interface PodAddresses {
  podIP: string;
  hostIP: string;
  /** The node's allocatable cpu and memory, for resourceFieldRef on containers without limits. */
  nodeCpu: string;
  nodeMemory: string;
}

/** A container whose configuration cannot be built: it waits with CreateContainerConfigError. */
export class ContainerConfigError extends Error {}

/** Expands $(VAR) references as the kubelet does: `$$` escapes, unknown references stay as written. */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    return name !== undefined && name in vars ? (vars[name] as string) : match;
  });
}

function fieldRef(pod: Pod, path: string, addr: PodAddresses): string {
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed) return (keyed[1] === "labels" ? meta.labels : meta.annotations)?.[keyed[2] as string] ?? "";
  switch (path) {
    case "metadata.name": return meta.name ?? "";
    case "metadata.namespace": return meta.namespace ?? "";
    case "metadata.uid": return meta.uid ?? "";
    case "metadata.labels": return Object.entries(meta.labels ?? {}).map(([k, v]) => `${k}="${v}"`).join("\n");
    case "metadata.annotations": return Object.entries(meta.annotations ?? {}).map(([k, v]) => `${k}="${v}"`).join("\n");
    case "spec.nodeName": return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP": case "status.hostIPs": return addr.hostIP;
    case "status.podIP": case "status.podIPs": return addr.podIP;
    default: throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
  }
}

function resourceRef(pod: Pod, container: Container, resource: string, divisor: string | undefined, addr: PodAddresses): string {
  const [kind, name] = resource.split(".") as [string, string];
  const res = container.resources ?? {};
  const fromSpec = (kind === "limits" ? res.limits : res.requests)?.[name];
  const fallback = name === "cpu" ? addr.nodeCpu : name === "memory" ? addr.nodeMemory : "0";
  const value = Quantity.parse(String(fromSpec ?? (kind === "limits" ? fallback : "0")));
  const div = Quantity.parse(divisor ?? "1");
  if (div.nanos === 0n) return "0";
  // Upstream rounds up to whole units of the divisor.
  return String((value.nanos + div.nanos - 1n) / div.nanos);
}

function valueOf(pod: Pod, container: Container, v: EnvVar, vars: Record<string, string>, sources: EnvSources, addr: PodAddresses): string | undefined {
  if (v.value !== undefined) return expand(v.value, vars);
  const from = v.valueFrom;
  if (!from) return "";
  const ns = pod.metadata?.namespace ?? "default";
  if (from.fieldRef) return fieldRef(pod, from.fieldRef.fieldPath, addr);
  if (from.resourceFieldRef) return resourceRef(pod, container, from.resourceFieldRef.resource, from.resourceFieldRef.divisor as string | undefined, addr);
  const ref = from.configMapKeyRef ?? from.secretKeyRef;
  if (ref) {
    const isSecret = from.secretKeyRef !== undefined;
    const data = isSecret ? sources.secret(ref.name ?? "") : sources.configMap(ref.name ?? "");
    if (!data) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`${isSecret ? "secret" : "configmap"} "${ref.name}" not found`);
    }
    if (!(ref.key in data)) {
      if (ref.optional) return undefined;
      throw new ContainerConfigError(`couldn't find key ${ref.key} in ${isSecret ? "Secret" : "ConfigMap"} ${ns}/${ref.name}`);
    }
    return data[ref.key];
  }
  return "";
}

/**
 * The container's environment as the kubelet builds it: the image's env, then envFrom (prefixed), then
 * env in order, each value able to refer to the ones before it or to the service env; downward-API fields
 * and resources. The service env fills in every name the container doesn't set itself.
 */
export function containerEnv(
  pod: Pod, container: Container, imageEnv: Record<string, string>, sources: EnvSources, addr: PodAddresses,
): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const isSecret = from.secretRef !== undefined;
    const data = isSecret ? sources.secret(ref.name ?? "") : sources.configMap(ref.name ?? "");
    if (!data) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${isSecret ? "secret" : "configmap"} "${ref.name}" not found`);
    }
    for (const [k, val] of Object.entries(data)) vars[`${from.prefix ?? ""}${k}`] = val;
  }
  const services = sources.serviceEnv ?? {};
  // What $(VAR) sees: the service env under everything set so far.
  const scope: Record<string, string> = { ...services, ...vars };
  for (const v of container.env ?? []) {
    const value = valueOf(pod, container, v, scope, sources, addr);
    if (value !== undefined) vars[v.name] = scope[v.name] = value;
  }
  const hostname = pod.spec?.hostname ?? pod.metadata?.name ?? "";
  return { HOSTNAME: hostname, ...imageEnv, ...services, ...vars };
}

/** argv from command/args and the image's entrypoint/cmd, as a container runtime combines them. */
export function containerArgv(container: Container, image: { entrypoint: string[]; cmd: string[] }, env: Record<string, string>): string[] {
  const command = container.command?.map((c) => expand(c, env));
  const args = container.args?.map((a) => expand(a, env));
  if (command) return [...command, ...(args ?? [])];
  return [...image.entrypoint, ...(args ?? image.cmd)];
}
