import assert from "node:assert/strict";
import type { ControllerRevision, DaemonSet } from "kubernetes-types/apps/v1.js";
import { CONTROLLERREVISIONS, DAEMONSETS } from "../../client/resources.js";
import type { ConformanceCase, ConformanceContext } from "../case.js";
import { IMAGES, deleteCollection, randomSuffix, updateWithRetries, waitFor, type K } from "../kit.js";
import { newDaemonSet } from "./daemonsets.js";

/** test/e2e/apps/controller_revision.go, reproduced. */

type CR = K<ControllerRevision>;

async function waitCount(ctx: ConformanceContext, selector: string, n: number): Promise<void> {
  let seen = 0;
  try {
    await waitFor(ctx, `${n} controller revisions with ${selector}`, async () => (seen = (await ctx.client.list(CONTROLLERREVISIONS, ctx.namespace, { labelSelector: selector })).items.length) === n);
  } catch (err) {
    throw new Error(`Expected ${n} controller revisions with ${selector}, found ${seen}`, { cause: err });
  }
}

export const cases: ConformanceCase[] = [
  {
    codename: "[sig-apps] ControllerRevision [Serial] should manage the lifecycle of a ControllerRevision [Conformance]",
    async run(ctx) {
      const dsName = `e2e-${randomSuffix()}-daemon-set`;
      const selector = `daemonset-name=${dsName}`;
      const created = await ctx.client.create<K<DaemonSet>>(DAEMONSETS, ctx.namespace, newDaemonSet(dsName, IMAGES.agnhost, { "daemonset-name": dsName }));
      await waitFor(ctx, "the daemon pods running and the status counted", async () => {
        const s = (await ctx.client.get<K<DaemonSet>>(DAEMONSETS, ctx.namespace, dsName)).status;
        return s !== undefined && s.desiredNumberScheduled > 0 && s.numberReady === s.desiredNumberScheduled;
      });
      assert.equal((await ctx.client.list(DAEMONSETS, undefined, { labelSelector: selector })).items.length, 1, "filtered list wasn't found");
      const revs = await ctx.client.list<CR>(CONTROLLERREVISIONS, undefined, { labelSelector: selector });
      assert.equal(revs.items.length, 1, "Failed to find any controllerRevisions");
      const owner = revs.items[0]!.metadata.ownerReferences?.[0];
      assert.ok(owner?.kind === "DaemonSet" && owner.uid === created.metadata.uid, "the ControllerRevision is owned by the DaemonSet");
      const initial = await ctx.client.get<CR>(CONTROLLERREVISIONS, ctx.namespace, revs.items[0]!.metadata.name!);
      const patched = await ctx.client.patch<CR>(CONTROLLERREVISIONS, ctx.namespace, initial.metadata.name!, "strategic", { metadata: { labels: { [initial.metadata.name!]: "patched" } } });
      assert.equal(patched.metadata.labels?.[initial.metadata.name!], "patched");
      const ds = await ctx.client.get<K<DaemonSet>>(DAEMONSETS, ctx.namespace, dsName);
      // Upstream names it after the hash of the changed template; any fresh hash does here.
      const hash = randomSuffix(10);
      await ctx.client.create(CONTROLLERREVISIONS, ctx.namespace, {
        apiVersion: "apps/v1", kind: "ControllerRevision",
        metadata: {
          name: `${dsName}-${hash}`, namespace: ctx.namespace,
          labels: { ...ds.spec!.template!.metadata!.labels, "controller-revision-hash": hash },
          annotations: ds.metadata.annotations,
          ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: dsName, uid: ds.metadata.uid!, controller: true, blockOwnerDeletion: true }],
        },
        data: initial.data,
        revision: initial.revision + 1,
      });
      await waitCount(ctx, selector, 2);
      await ctx.client.delete(CONTROLLERREVISIONS, ctx.namespace, initial.metadata.name!);
      await waitCount(ctx, selector, 1);
      const current = (await ctx.client.list<CR>(CONTROLLERREVISIONS, ctx.namespace)).items[0]!;
      const updated = await updateWithRetries<CR>(ctx, CONTROLLERREVISIONS, current.metadata.name!, (cr) => {
        cr.metadata.labels = { ...cr.metadata.labels, [current.metadata.name!]: "updated" };
      });
      assert.equal(updated.metadata.labels?.[current.metadata.name!], "updated");
      await ctx.client.patch(DAEMONSETS, ctx.namespace, dsName, "strategic", { spec: { template: { spec: { terminationGracePeriodSeconds: 1 } } }, updateStrategy: { type: "RollingUpdate" } });
      await waitCount(ctx, selector, 2);
      await deleteCollection(ctx, CONTROLLERREVISIONS, `${updated.metadata.name}=updated`);
      await waitCount(ctx, selector, 1);
      const left = (await ctx.client.list<CR>(CONTROLLERREVISIONS, ctx.namespace)).items;
      assert.equal(left[0]!.revision, 3, "failed to find the expected revision for the Controller");
    },
  },
];
