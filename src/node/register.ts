import { isAlreadyExists } from "../api/errors.js";
import type { KubeObject } from "../api/types.js";
import { NODES } from "../client/resources.js";
import type { RestClient } from "../client/rest.js";
import { Backoff } from "../client/backoff.js";
import { sleep, type Clock } from "../client/clock.js";

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


/**
 * Registers until it succeeds, as the kubelet's registerWithAPIServer does: an API server that can't be
 * reached yet (an agent started before it) or refuses for now is tried again with back-off. Undefined when
 * `signal` aborts first.
 */
export async function registerNodeWithRetry(
  client: RestClient, node: () => KubeObject, opts: { clock: Clock; signal: AbortSignal; log?: (entry: Record<string, unknown>) => void },
): Promise<string | undefined> {
  // The kubelet's registration back-off: 100 ms, doubling to 7 s (jittered, as many agents may wait for one API server).
  const backoff = new Backoff({ initialMs: 100, maxMs: 7_000, jitter: 0.2, clock: opts.clock });
  while (!opts.signal.aborted) {
    const attempt = node();
    const delay = backoff.next();
    try {
      return await registerNode(client, attempt);
    } catch (err) {
      opts.log?.({ level: "warn", component: "kubelet", node: attempt.metadata.name, msg: "Unable to register node with API server", retryInMs: delay, err: String(err) });
      await sleep(opts.clock, delay, opts.signal);
    }
  }
  return undefined;
}
