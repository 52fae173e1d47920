import type { ConformanceCase } from "../case.js";
import { cases as controllerrevisions } from "./controllerrevisions.js";
import { cases as daemonsets } from "./daemonsets.js";
import { cases as deployments } from "./deployments.js";
import { cases as replicasets } from "./replicasets.js";
import { cases as replicationcontrollers } from "./replicationcontrollers.js";
import { cases as statefulsets } from "./statefulsets.js";

/** Every case of the suite, area by area (one file an area, each exporting `cases`). */
export const ALL_CASES: ConformanceCase[] = [
  ...controllerrevisions,
  ...daemonsets,
  ...deployments,
  ...replicasets,
  ...replicationcontrollers,
  ...statefulsets,
];
