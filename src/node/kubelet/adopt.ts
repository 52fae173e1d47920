import type { ContainerStatus, Sandbox } from "../runtime/runtime.js";

/**
 * What a pod worker takes over when it starts for a pod the runtime already runs (the node agent
 * restarted, its containers did not): the pod's newest sandbox, and per container name its newest
 * instance (kept as it is: same container, same start, same restart count) and the one before it (the
 * container's lastState and `logs --previous`).
 */
export interface AdoptedPod {
  sandbox: Sandbox;
  containers: Map<string, { current: ContainerStatus; last?: ContainerStatus }>;
}

/** The runtime's sandbox and containers of pod `uid`, as a pod worker adopts them; undefined when it has none. */
export function adoptPod(uid: string, sandboxes: Sandbox[], containers: ContainerStatus[]): AdoptedPod | undefined {
  const sandbox = sandboxes.filter((s) => s.config.uid === uid).sort((a, b) => b.createdAt - a.createdAt)[0];
  if (!sandbox) return undefined;
  const byName = new Map<string, ContainerStatus[]>();
  for (const c of containers) {
    if (c.sandboxId !== sandbox.id) continue;
    byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  }
  const adopted = new Map<string, { current: ContainerStatus; last?: ContainerStatus }>();
  for (const [name, instances] of byName) {
    const [current, last] = instances.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
    adopted.set(name, { current: current!, last });
  }
  return { sandbox, containers: adopted };
}

/**
 * The pods the runtime still has sandboxes of that are no longer bound to this node (deleted while the
 * agent was down), once each, with what their sandboxes say about them: upstream's kubelet kills and
 * removes such orphans once its pod list is known.
 */
export function orphanedPods(sandboxes: Sandbox[], bound: ReadonlySet<string>): Array<{ uid: string; namespace: string; name: string }> {
  const orphans = new Map<string, { uid: string; namespace: string; name: string }>();
  for (const s of sandboxes) {
    const { uid, namespace, name } = s.config;
    if (!bound.has(uid) && !orphans.has(uid)) orphans.set(uid, { uid, namespace, name });
  }
  return [...orphans.values()];
}
