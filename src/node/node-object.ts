import { LOCAL_VOLUME_DIR_ANNOTATION } from "../api/storage.js";
import { arch, cpus, hostname, platform, release, totalmem } from "node:os";
import { formatTime } from "../api/meta.js";
import type { KubeObject } from "../api/types.js";

export const KUBELET_VERSION = "v1.32.0-tugboat";

export interface NodeShape {
  name: string;
  cpu: string;
  memory: string;
  pods: string;
  internalIP: string;
  podCIDR?: string;
  runtimeVersion: string;
  labels?: Record<string, string>;
  /** Where the node agent serves logs; 0 for simulated nodes, which keep none. */
  kubeletPort?: number;
  ephemeralStorage?: string;
  /** Where local persistent volumes of this node live (process runtime only). */
  volumeDir?: string;
}

/** The machine's own capacity, for a node agent that runs real processes. */
export function machineCapacity(): { cpu: string; memory: string } {
  return { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki` };
}

const goArch = (a: string) => ({ x64: "amd64", arm64: "arm64", arm: "arm" } as Record<string, string>)[a] ?? a;

/** The node agent's conditions, heartbeat `now`, unchanged since `since`. */
export function readyConditions(now: number, ready: boolean, since = now): Array<Record<string, string>> {
  const t = formatTime(now);
  const c = (type: string, status: string, reason: string, message: string) => ({ type, status, lastHeartbeatTime: t, lastTransitionTime: formatTime(since), reason, message });
  return [
    c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ready ? c("Ready", "True", "KubeletReady", "kubelet is posting ready status") : c("Ready", "False", "KubeletNotReady", "container runtime is down"),
  ];
}

/** The Node a node agent registers: labels, capacity, conditions, addresses and nodeInfo as the kubelet's. */
export function nodeObject(shape: NodeShape, now: number): KubeObject {
  const os = platform() === "linux" ? "linux" : platform();
  return {
    apiVersion: "v1", kind: "Node",
    metadata: {
      name: shape.name,
      labels: {
        "kubernetes.io/hostname": shape.name, "kubernetes.io/os": os, "kubernetes.io/arch": goArch(arch()),
        "beta.kubernetes.io/os": os, "beta.kubernetes.io/arch": goArch(arch()), ...shape.labels,
      },
      annotations: { "node.alpha.kubernetes.io/ttl": "0", ...(shape.volumeDir ? { [LOCAL_VOLUME_DIR_ANNOTATION]: shape.volumeDir } : {}) },
    },
    spec: shape.podCIDR ? { podCIDR: shape.podCIDR, podCIDRs: [shape.podCIDR] } : {},
    status: {
      capacity: { cpu: shape.cpu, memory: shape.memory, pods: shape.pods, "ephemeral-storage": shape.ephemeralStorage ?? "100Gi" },
      allocatable: { cpu: shape.cpu, memory: shape.memory, pods: shape.pods, "ephemeral-storage": shape.ephemeralStorage ?? "100Gi" },
      conditions: readyConditions(now, true),
      addresses: [{ type: "InternalIP", address: shape.internalIP }, { type: "Hostname", address: shape.name }],
      daemonEndpoints: { kubeletEndpoint: { Port: shape.kubeletPort ?? 10250 } },
      nodeInfo: {
        machineID: "", systemUUID: "", bootID: "", kernelVersion: release(), osImage: `${os === "linux" ? "Linux" : os} (${hostname()})`,
        containerRuntimeVersion: shape.runtimeVersion, kubeletVersion: KUBELET_VERSION, kubeProxyVersion: "", operatingSystem: os, architecture: goArch(arch()),
      },
    },
  };
}
