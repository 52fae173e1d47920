import type { ConformanceCase } from "../case.js";
import { cases as replicasets } from "./replicasets.js";

/** Every case of the suite, area by area (one file an area, each exporting `cases`). */
export const ALL_CASES: ConformanceCase[] = [
  ...replicasets,
];
