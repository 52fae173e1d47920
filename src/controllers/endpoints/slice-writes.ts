import type { EndpointSlice } from "kubernetes-types/discovery/v1.js";
import { isNotFound } from "../../api/errors.js";
import type { KubeObject } from "../../api/types.js";
import { ENDPOINTSLICES } from "../../client/resources.js";
import type { RestClient } from "../../client/rest.js";
import type { EndpointPort } from "./addresses.js";
import type { SliceTracker } from "./slice-tracker.js";
import type { SlicePlan, SliceShape } from "./slices.js";

/** A slice's ports as the API writes them: a name always, appProtocol only when set. */
export function slicePorts(ports: readonly EndpointPort[]): NonNullable<EndpointSlice["ports"]> {
  return ports.map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol, ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
}

/**
 * Carries out a SlicePlan for one key: creates (with `created` as the new slices' metadata), rewrites and
 * deletes slices, all at once, recording every write in `tracker` so the next sync waits for the cache
 * to show it. `body` makes the object to write from a shape and the metadata it starts from.
 */
export async function writeSlices(
  client: RestClient, tracker: SliceTracker, key: { key: string; namespace: string },
  plan: SlicePlan, body: (shape: SliceShape, metadata: EndpointSlice["metadata"]) => KubeObject, created: EndpointSlice["metadata"],
): Promise<void> {
  const { namespace } = key;
  await Promise.all([
    ...plan.create.map(async (shape) => {
      const made = await client.create(ENDPOINTSLICES, namespace, body(shape, created));
      tracker.record(key.key, made.metadata.name!, Number(made.metadata.resourceVersion));
    }),
    ...plan.update.map(async ({ slice, shape }) => {
      const written = await client.update(ENDPOINTSLICES, body(shape, slice.metadata));
      tracker.record(key.key, written.metadata.name!, Number(written.metadata.resourceVersion));
    }),
    ...plan.delete.map(async (slice) => {
      await client.delete(ENDPOINTSLICES, namespace, slice.metadata!.name!, { preconditions: { uid: slice.metadata!.uid } }).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
      tracker.record(key.key, slice.metadata!.name!, null);
    }),
  ]);
}
