import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { isNotFound } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { CONFIGMAPS } from "../client/resources.js";
import type { RestClient } from "../client/rest.js";
import { eventually, startTestCluster, type TestCluster } from "./cluster.js";

describe("garbage collector with dependents of several owners, against the real API server", () => {
  let cluster: TestCluster;
  let client: RestClient;
  before(async () => {
    cluster = await startTestCluster();
    client = cluster.client;
  });
  after(() => cluster.stop());

  const configMap = (name: string, owners: KubeObject[] = []): KubeObject => ({
    apiVersion: "v1", kind: "ConfigMap",
    metadata: { name, ownerReferences: owners.map((o) => ({ apiVersion: "v1", kind: "ConfigMap", name: o.metadata.name!, uid: o.metadata.uid!, blockOwnerDeletion: true })) },
  });
  const exists = (name: string) => client.get(CONFIGMAPS, "default", name).then(() => true, (err: unknown) => {
    if (isNotFound(err)) return false;
    throw err;
  });
  const owners = async (name: string) => (await client.get(CONFIGMAPS, "default", name)).metadata.ownerReferences?.map((r) => r.name);

  /** Ten dependents of `doomed`, the first five also of `keeper`: upstream's "valid owner" conformance case. */
  async function scenario(prefix: string): Promise<{ doomed: KubeObject; keeper: KubeObject; names: string[] }> {
    const doomed = await client.create(CONFIGMAPS, "default", configMap(`${prefix}-to-be-deleted`));
    const keeper = await client.create(CONFIGMAPS, "default", configMap(`${prefix}-to-stay`));
    const names = Array.from({ length: 10 }, (_, i) => `${prefix}-dep-${i}`);
    for (const [i, name] of names.entries()) await client.create(CONFIGMAPS, "default", configMap(name, i < 5 ? [doomed, keeper] : [doomed]));
    return { doomed, keeper, names };
  }

  for (const policy of ["Foreground", "Background"] as const) {
    test(`GarbageCollector keeps dependents that have another valid owner (${policy} deletion)`, async () => {
      const { doomed, names } = await scenario(policy.toLowerCase());
      await client.delete(CONFIGMAPS, "default", doomed.metadata.name!, { propagationPolicy: policy });
      await eventually("the owner and its sole dependents to go", async () => {
        const left = await Promise.all([doomed.metadata.name!, ...names.slice(5)].map(exists));
        return left.every((e) => !e);
      });
      for (const name of names.slice(0, 5)) {
        assert.equal(await exists(name), true, `${name} has a live owner and stays`);
        await eventually(`${name} to lose its reference to the deleted owner`, async () => JSON.stringify(await owners(name)) === JSON.stringify([`${policy.toLowerCase()}-to-stay`]));
      }
    });
  }
});
