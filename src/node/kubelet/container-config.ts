import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Container, Pod, Service } from "kubernetes-types/core/v1.js";
import type { Clock } from "../../client/clock.js";
import type { ContainerSecurity, Image, Mount } from "../runtime/runtime.js";
import { containerEnv } from "./container-env.js";
import { hostNetworkHostsFile, podHostsFile, podResolvConf, type ClusterDnsConfig, type ResolvConf } from "./dns-files.js";
import { containerSecurity } from "./security-context.js";
import { serviceEnv } from "./service-env.js";
import { containerMounts, gatherVolumeSources, setUpVolumes, type TokenRequestSpec, type VolumeSources } from "./volumes/index.js";

/** What a container's configuration is read from: the API (through the kubelet's caches) and the node. */
export interface ContainerConfigDeps {
  clock: Clock;
  hostIP: string;
  nodeCpu: string;
  nodeMemory: string;
  /** The node's allocatable ephemeral storage, for resourceFieldRef on containers without that limit. */
  nodeEphemeralStorage?: string;
  /** The kubelet's --cluster-dns/--cluster-domain, for pods' /etc/resolv.conf; absent: pods use the host's. */
  clusterDNS?: ClusterDnsConfig;
  /** The host's /etc/resolv.conf, which pods extend or (dnsPolicy Default) see as is. */
  hostResolv: ResolvConf;
  /** ConfigMap data and binaryData or Secret data, as bytes; undefined when it does not exist. */
  fetch(kind: "configmap" | "secret", namespace: string, name: string): Promise<Record<string, Buffer> | undefined>;
  /** A TokenRequest for a projected serviceAccountToken; absent: the API serves none. */
  serviceAccountToken?(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string>;
  /** Every Service the node knows, for the service env (`{SVC}_SERVICE_HOST`…) containers start with. */
  services(): Service[];
  /** The host directory of the PersistentVolume a claim is bound to, if it is bound to one this node can mount. */
  claimPath(namespace: string, claim: string): Promise<string | undefined>;
}

/** What a container instance is created with, besides its image and log. */
export interface ContainerConfigParts {
  env: Record<string, string>;
  mounts: Mount[];
  security: ContainerSecurity;
}

/** What the pod's volumes are made from: ConfigMaps, Secrets, claims, tokens, the node's allocatable. */
export function podVolumeSources(deps: ContainerConfigDeps, pod: Pod): Promise<VolumeSources> {
  return gatherVolumeSources(pod, {
    fetch: deps.fetch, claimPath: deps.claimPath, serviceAccountToken: deps.serviceAccountToken,
    node: { cpu: deps.nodeCpu, memory: deps.nodeMemory, ephemeralStorage: deps.nodeEphemeralStorage ?? "100Gi" },
  });
}

/**
 * A container's env, mounts and security, in the kubelet's order: volumes first (a MountError keeps the
 * pod ContainerCreating), then the env and the mounts (subPathExpr expands from the env), then the
 * security context (runAsNonRoot): a ContainerConfigError is CreateContainerConfigError.
 */
export async function containerConfig(deps: ContainerConfigDeps, pod: Pod, c: Container, image: Image, podDir: string, podIP: string): Promise<ContainerConfigParts> {
  const ns = pod.metadata?.namespace ?? "default";
  const cache = new Map<string, Record<string, string> | undefined>();
  const refs = [
    ...(c.envFrom ?? []).flatMap((e) => [e.configMapRef && ["configmap", e.configMapRef.name], e.secretRef && ["secret", e.secretRef.name]]),
    ...(c.env ?? []).flatMap((e) => [e.valueFrom?.configMapKeyRef && ["configmap", e.valueFrom.configMapKeyRef.name], e.valueFrom?.secretKeyRef && ["secret", e.valueFrom.secretKeyRef.name]]),
  ].filter((r): r is [string, string] => Array.isArray(r) && typeof r[1] === "string");
  for (const [kind, name] of refs) cache.set(`${kind}/${name}`, asText(await deps.fetch(kind as "configmap" | "secret", ns, name)));
  const sources = {
    configMap: (n: string) => cache.get(`configmap/${n}`), secret: (n: string) => cache.get(`secret/${n}`),
    serviceEnv: serviceEnv(deps.services(), ns, pod.spec?.enableServiceLinks ?? true),
  };
  const volumeSources = await podVolumeSources(deps, pod);
  const volumes = setUpVolumes(pod, podDir, volumeSources, deps.clock.now());
  const env = containerEnv(pod, c, image.env, sources, { podIP, hostIP: deps.hostIP, nodeCpu: deps.nodeCpu, nodeMemory: deps.nodeMemory });
  const mounts = [...containerMounts(c, volumes, env), ...etcMounts(deps, pod, c, podDir, podIP)];
  return { env, mounts, security: containerSecurity(pod, c, image) };
}

/** Bytes as the text env vars carry (Go's string([]byte)). */
function asText(data: Record<string, Buffer> | undefined): Record<string, string> | undefined {
  return data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.toString("utf8")]));
}

/**
 * The pod's own /etc/hosts and /etc/resolv.conf, bind-mounted over the host's as the kubelet (hosts) and
 * containerd (resolv.conf) do — except where the container mounts a volume of its own at that path. A
 * hostNetwork pod's hosts file is the node's (KubeletManagedEtcHosts).
 */
function etcMounts(deps: ContainerConfigDeps, pod: Pod, c: Container, podDir: string, podIP: string): Mount[] {
  mkdirSync(podDir, { recursive: true });
  const hosts = pod.spec?.hostNetwork ? hostNetworkHostsFile(pod, readNodeHosts()) : podHostsFile(pod, podIP, deps.clusterDNS?.domain);
  const files: Array<[string, string, string | undefined]> = [
    ["etc-hosts", "/etc/hosts", hosts],
    ["resolv.conf", "/etc/resolv.conf", podResolvConf(pod, deps.clusterDNS, deps.hostResolv)],
  ];
  return files.flatMap(([file, containerPath, text]) => {
    if (text === undefined || c.volumeMounts?.some((m) => m.mountPath === containerPath)) return [];
    const hostPath = join(podDir, file);
    // Every container of the pod bind-mounts this one file: rewriting it unchanged (truncate, then write)
    // would let a sibling that reads it at that moment see it empty.
    if (readIfAny(hostPath) !== text) writeFileSync(hostPath, text);
    return [{ hostPath, containerPath, readOnly: false }];
  });
}

/** The node's /etc/hosts, which a hostNetwork pod's managed file carries. */
function readNodeHosts(): string {
  return readIfAny("/etc/hosts") ?? "";
}

function readIfAny(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
