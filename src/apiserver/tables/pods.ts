import type { KubeObject } from "../../api/types.js";
import type { TableContext, TableConvertor } from "../resource.js";
import { age, ageColumn, arr, col, humanDuration, nameColumn, none, num, obj } from "./format.js";

/** Upstream's printPod: READY, STATUS (the reason kubectl shows, Terminating included) and RESTARTS. */
export function podStatusCells(pod: KubeObject, ctx: TableContext): { ready: string; reason: string; restarts: string } {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  let reason = String(status.reason || status.phase || "");
  let restarts = 0;
  let lastRestart = 0;
  let readyContainers = 0;
  const initStatuses = arr(status.initContainerStatuses);
  const initCount = arr(spec.initContainers).length;
  let initializing = false;
  const noteRestart = (c: Record<string, unknown>) => {
    restarts += num(c.restartCount);
    const finished = obj(obj(c.lastState).terminated).finishedAt;
    if (typeof finished === "string") lastRestart = Math.max(lastRestart, Date.parse(finished));
  };
  for (const [i, c] of initStatuses.entries()) {
    noteRestart(c);
    const state = obj(c.state);
    const terminated = state.terminated ? obj(state.terminated) : undefined;
    const waiting = state.waiting ? obj(state.waiting) : undefined;
    if (terminated && num(terminated.exitCode) === 0) continue;
    initializing = true;
    if (terminated) {
      reason = terminated.reason ? `Init:${terminated.reason}` : num(terminated.signal) ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
    } else if (waiting && waiting.reason && waiting.reason !== "PodInitializing") {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    break;
  }
  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      noteRestart(c);
      const state = obj(c.state);
      const waiting = state.waiting ? obj(state.waiting) : undefined;
      const terminated = state.terminated ? obj(state.terminated) : undefined;
      if (waiting?.reason) reason = String(waiting.reason);
      else if (terminated?.reason) reason = String(terminated.reason);
      else if (terminated) reason = num(terminated.signal) ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      else if (c.ready && state.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const ready = arr(status.conditions).some((c) => c.type === "Ready" && c.status === "True");
      reason = ready ? "Running" : "NotReady";
    }
  }
  if (pod.metadata.deletionTimestamp) reason = status.reason === "NodeLost" ? "Unknown" : "Terminating";
  const restartText = lastRestart > 0 ? `${restarts} (${humanDuration(ctx.now - lastRestart)} ago)` : String(restarts);
  return { ready: `${readyContainers}/${arr(spec.containers).length}`, reason, restarts: restartText };
}

export const podTable: TableConvertor = {
  columns: [
    nameColumn, col("Ready"), col("Status"), col("Restarts"), ageColumn,
    col("IP", "string", 1), col("Node", "string", 1), col("Nominated Node", "string", 1), col("Readiness Gates", "string", 1),
  ],
  cells(pod, ctx) {
    const s = podStatusCells(pod, ctx);
    const status = obj(pod.status);
    const gates = arr(obj(pod.spec).readinessGates);
    const gateText = gates.length === 0 ? "<none>" : `${gates.filter((g) => arr(status.conditions).some((c) => c.type === g.conditionType && c.status === "True")).length}/${gates.length}`;
    return [pod.metadata.name, s.ready, s.reason, s.restarts, age(pod.metadata.creationTimestamp, ctx),
      none(status.podIP as string), none(obj(pod.spec).nodeName as string), none(status.nominatedNodeName as string), gateText];
  },
};
