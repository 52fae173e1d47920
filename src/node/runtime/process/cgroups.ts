import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CPU_PERIOD_US, MIN_CPU_SHARES, type PodResources } from "../runtime.js";

/** The cgroup v1 CPU hierarchy, where this kernel mounts it. */
const CPU_V1 = "/sys/fs/cgroup/cpu";

/**
 * The kubelet's CPU cgroups for one node, on cgroup v1 (upstream's layout under a node-wide parent):
 * `tugboat/<node>/` is kubepods, weighted by the node's allocatable CPU; BestEffort pods live under
 * `besteffort/` (the minimum shares, so they yield to everything else), Burstable pods under `burstable/`
 * (weighted by the sum of their requests), Guaranteed pods directly below kubepods. Each pod's cgroup has
 * the shares of its CPU requests and, when every container has a limit, a CFS quota.
 *
 * So the node agent, the API server and the proxy beside it keep the CPU they need while pods start.
 */
export class CpuCgroups {
  private readonly burstable = new Map<string, number>();

  private constructor(private readonly base: string) {}

  /** The node's hierarchy, or undefined where there is no writable cgroup v1 CPU controller (v2, not root). */
  static open(node: string, allocatableShares: number): CpuCgroups | undefined {
    if (process.platform !== "linux" || process.getuid?.() !== 0 || !existsSync(join(CPU_V1, "cpu.shares"))) return undefined;
    const base = join(CPU_V1, "tugboat", node);
    try {
      for (const dir of [base, join(base, "besteffort"), join(base, "burstable")]) mkdirSync(dir, { recursive: true });
      writeFileSync(join(base, "cpu.shares"), String(allocatableShares));
      writeFileSync(join(base, "besteffort", "cpu.shares"), String(MIN_CPU_SHARES));
      writeFileSync(join(base, "burstable", "cpu.shares"), String(MIN_CPU_SHARES));
    } catch {
      return undefined;
    }
    return new CpuCgroups(base);
  }

  private podDir(uid: string, qosClass: PodResources["qosClass"]): string {
    const parent = qosClass === "Guaranteed" ? this.base : join(this.base, qosClass === "BestEffort" ? "besteffort" : "burstable");
    return join(parent, `pod${uid}`);
  }

  /** Creates (or updates) the pod's cgroup. */
  createPod(uid: string, r: PodResources): void {
    const dir = this.podDir(uid, r.qosClass);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "cpu.shares"), String(r.cpuShares));
    writeFileSync(join(dir, "cpu.cfs_period_us"), String(CPU_PERIOD_US));
    writeFileSync(join(dir, "cpu.cfs_quota_us"), String(r.cpuQuotaUs ?? -1));
    if (r.qosClass === "Burstable") {
      this.burstable.set(uid, r.cpuShares);
      this.updateBurstable();
    }
  }

  /** Moves a process (and its threads) into the pod's cgroup; its children inherit it. */
  addProcess(uid: string, qosClass: PodResources["qosClass"], pid: number): void {
    try {
      writeFileSync(join(this.podDir(uid, qosClass), "cgroup.procs"), String(pid));
    } catch {
      // The process already exited.
    }
  }

  /** Removes the pod's cgroup once its processes are gone. */
  removePod(uid: string, qosClass: PodResources["qosClass"]): void {
    removeDir(this.podDir(uid, qosClass));
    if (this.burstable.delete(uid)) this.updateBurstable();
  }

  /** Removes pod cgroups a previous run left (their processes died with it). */
  cleanUp(): void {
    for (const parent of [this.base, join(this.base, "besteffort"), join(this.base, "burstable")]) {
      for (const entry of readdirSync(parent)) if (entry.startsWith("pod")) removeDir(join(parent, entry));
    }
  }

  /** Removes the node's hierarchy when its agent stops (what still holds a process stays). */
  close(): void {
    this.cleanUp();
    for (const dir of [join(this.base, "besteffort"), join(this.base, "burstable"), this.base]) removeDir(dir);
  }

  /** Upstream's QoS container manager: the burstable cgroup weighs what its pods requested. */
  private updateBurstable(): void {
    const total = [...this.burstable.values()].reduce((s, v) => s + v, 0);
    writeFileSync(join(this.base, "burstable", "cpu.shares"), String(Math.max(MIN_CPU_SHARES, total)));
  }
}

function removeDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Gone already, or a process is still in it (it will be removed with the next clean-up).
  }
}
