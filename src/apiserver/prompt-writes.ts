import { storagePrefix } from "./resource.js";

/**
 * The workload objects: one per Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob or
 * ReplicationController, written by its controller's sync, which awaits each write before the next (as
 * upstream's do). Their writes are few beside the bulk (pods, events, leases), so the SQLite store commits
 * them in its prompt lane: a rollout's control loop then doesn't wait a loaded event-loop turn per write.
 */
const WORKLOADS = [
  { group: "apps", plural: "deployments" },
  { group: "apps", plural: "replicasets" },
  { group: "apps", plural: "statefulsets" },
  { group: "apps", plural: "daemonsets" },
  { group: "batch", plural: "jobs" },
  { group: "batch", plural: "cronjobs" },
  { group: "", plural: "replicationcontrollers" },
].map(storagePrefix);

/** Whether a store key holds a workload object (see above). */
export function isWorkloadKey(key: string): boolean {
  return WORKLOADS.some((prefix) => key.startsWith(prefix));
}
