import { isAlreadyExists } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { NODES } from "../client/resources.js";
import type { RestClient } from "../client/rest.js";

/**
 * Registers a node agent's Node as the kubelet does: create it, or, when it exists from an earlier run,
 * refresh its labels and status. Returns the Node's uid (the owner of its Lease).
 */
export async function registerNode(client: RestClient, node: KubeObject): Promise<string | undefined> {
  const name = node.metadata.name!;
  try {
    return (await client.create(NODES, undefined, node)).metadata.uid;
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await client.get(NODES, undefined, name);
    await client.patch(NODES, undefined, name, "merge", { metadata: { labels: node.metadata.labels, annotations: node.metadata.annotations } });
    await client.patch(NODES, undefined, name, "merge", { status: node.status }, "status");
    return existing.metadata.uid;
  }
}
