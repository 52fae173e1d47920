import type { ConformanceCase } from "../case.js";

/** test/e2e/apps/disruption.go: every case needs PodDisruptionBudgets, which Tugboat does not serve yet. */

const NOT_SERVED = "PodDisruptionBudget (policy/v1 poddisruptionbudgets) and the disruption controller";

const codenames = [
  "[sig-apps] DisruptionController Listing PodDisruptionBudgets for all namespaces should list and delete a collection of PodDisruptionBudgets [Conformance]",
  "[sig-apps] DisruptionController should block an eviction until the PDB is updated to allow it [Conformance]",
  "[sig-apps] DisruptionController should create a PodDisruptionBudget [Conformance]",
  "[sig-apps] DisruptionController should observe PodDisruptionBudget status updated [Conformance]",
  "[sig-apps] DisruptionController should update/patch PodDisruptionBudget status [Conformance]",
];

export const cases: ConformanceCase[] = codenames.map((codename) => ({ codename, notServed: NOT_SERVED, async run() {} }));
