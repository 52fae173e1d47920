import type { ConformanceCase } from "../case.js";
import { cases as controllerrevisions } from "./controllerrevisions.js";
import { cases as cronjobs } from "./cronjobs.js";
import { cases as daemonsets } from "./daemonsets.js";
import { cases as deployments } from "./deployments.js";
import { cases as disruption } from "./disruption.js";
import { cases as jobs } from "./jobs.js";
import { cases as replicasets } from "./replicasets.js";
import { cases as replicationcontrollers } from "./replicationcontrollers.js";
import { cases as statefulsets } from "./statefulsets.js";

/**
 * Every case of the suite, area by area (one file an area, each exporting `cases`). The runner starts
 * them in this order, so the slow ones (CronJob: a run a minute) come first.
 */
export const ALL_CASES: ConformanceCase[] = [
  ...cronjobs,
  ...controllerrevisions,
  ...daemonsets,
  ...deployments,
  ...disruption,
  ...jobs,
  ...replicasets,
  ...replicationcontrollers,
  ...statefulsets,
];
