import type { RestClient } from "../client/rest.js";
import type { Cluster } from "../cmd/e2e/harness.js";

/**
 * One of upstream's conformance tests (test/conformance/testdata/conformance.yaml), reproduced against a
 * running `tug up`: the behaviour it asserts, written anew in our words. A case is one of three things in
 * the report: run and passing, run and failing, or not run because Tugboat does not serve what it needs.
 */
export interface ConformanceCase {
  /** conformance.yaml's `codename`, verbatim, e.g. "[sig-apps] ReplicaSet should serve a basic image on each replica with a public image  [Conformance]". */
  codename: string;
  /**
   * What Tugboat does not serve that the test needs (a kind, a subresource, a feature), e.g.
   * "PodDisruptionBudget (policy/v1)". A case with this set is listed as "not served" and not run.
   */
  notServed?: string;
  /**
   * Why this case fails today, naming the open issue that fixes it. It still runs and is reported as
   * failing; the suite in `npm test` tolerates the failure of such a case only.
   */
  knownFailure?: string;
  /** Asserts the behaviour; throws (node:assert) when Tugboat differs. Work in `ctx.namespace`. */
  run(ctx: ConformanceContext): Promise<void>;
}

/** What a case gets: the cluster, an admin client, and a namespace of its own (deleted afterwards). */
export interface ConformanceContext {
  cluster: Cluster;
  client: RestClient;
  namespace: string;
  signal: AbortSignal;
}
