import { join } from "node:path";
import { connectCri, RuntimeUnavailableError } from "./cri-client.js";
import { ContainerdRuntime } from "./containerd-runtime.js";
import { ContainerdDaemon, onPath } from "./daemon.js";
import type { KubeletImageFlags } from "../../kubelet/image-gc.js";

/** What a node agent says about the containerd it runs pods on (`--runtime containerd`). */
export interface ContainerdFlags {
  /** --container-runtime-endpoint (upstream's flag): `unix:///run/containerd/containerd.sock`; absent: a containerd of Tugboat's own. */
  endpoint?: string;
  /** For Tugboat's own containerd: registry host → endpoints to pull from (e.g. `docker.io` → `http://127.0.0.1:5000`). */
  registryMirrors?: Record<string, string[]>;
  /** The kubelet's image GC and status.images flags: only this runtime has images of its own to manage. */
  images?: KubeletImageFlags;
}

export interface OpenContainerdOptions extends ContainerdFlags {
  nodeName: string;
  /** Where Tugboat's own containerd lives (under the node's state dir). */
  dir: string;
  podCIDR: string;
  bridge: string;
  cniBinDir: string;
  hostIP: string;
  log: (entry: Record<string, unknown>) => void;
}

/**
 * Checks, before anything starts, that the containerd runtime can work here: the given endpoint answers
 * CRI v1, or containerd and runc are installed for one of Tugboat's own. Throws a RuntimeUnavailableError
 * (one line for the user).
 */
export async function checkContainerd(flags: ContainerdFlags): Promise<void> {
  if (flags.endpoint) {
    const { client } = await connectCri(flags.endpoint);
    client.close();
    return;
  }
  if (!onPath("containerd")) throw new RuntimeUnavailableError("containerd is not installed (no containerd on PATH): install it (Debian: apt-get install containerd runc) or give --container-runtime-endpoint");
  if (!onPath("runc")) throw new RuntimeUnavailableError("runc is not installed (no runc on PATH): install it (Debian: apt-get install runc)");
  if (!onPath("ctr")) throw new RuntimeUnavailableError("ctr is not installed (no ctr on PATH; Debian's containerd package has it)");
}

/**
 * The node's ContainerdRuntime: on the endpoint given, or on a containerd started now under `dir` (stopped
 * again when the runtime closes or detaches). What a previous run of this node agent left running is adopted.
 */
export async function openContainerdRuntime(opts: OpenContainerdOptions): Promise<ContainerdRuntime> {
  let runtime: ContainerdRuntime;
  if (opts.endpoint) {
    const { client, version } = await connectCri(opts.endpoint);
    runtime = new ContainerdRuntime({ client, version, nodeName: opts.nodeName, hostIP: opts.hostIP, log: opts.log });
  } else {
    const daemon = await ContainerdDaemon.start({ dir: join(opts.dir), podCIDR: opts.podCIDR, bridge: opts.bridge, cniBinDir: opts.cniBinDir, registryMirrors: opts.registryMirrors });
    opts.log({ level: "info", component: "kubelet", node: opts.nodeName, msg: "Started containerd", endpoint: daemon.endpoint, version: daemon.version.runtimeVersion });
    runtime = new ContainerdRuntime({ client: daemon.client, version: daemon.version, nodeName: opts.nodeName, hostIP: opts.hostIP, log: opts.log, onClose: (keepContainers) => daemon.stop(10_000, keepContainers) });
  }
  const { adopted, removed } = await runtime.start();
  if (adopted) opts.log({ level: "info", component: "kubelet", node: opts.nodeName, msg: "Adopted the running pod sandboxes of a previous run", count: adopted });
  if (removed) opts.log({ level: "info", component: "kubelet", node: opts.nodeName, msg: "Removed the stopped pod sandboxes of a previous run", count: removed });
  return runtime;
}
