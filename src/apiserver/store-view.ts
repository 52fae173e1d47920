import type { KubeObject } from "../api/types.js";
import { CompactedError } from "../store/store.js";
import type { RestStore } from "./registry/rest.js";

export interface ViewHandlers {
  /** An object was created or changed (`prev`: its last value, when known). */
  put(obj: KubeObject, prev?: KubeObject): void;
  removed(obj: KubeObject): void;
  /** Forget every object: a full list follows. */
  reset(): void;
}

/**
 * Keeps an in-memory view (the API server's own indexes: the Node authorizer's graph, RBAC's rules) in
 * step with every object of a resource: each stored object is `put`, then every change after the list's
 * revision is delivered in order. The API server is the one component that reads its store directly.
 * Resolves once the list has been delivered and the watch runs.
 */
export async function followStore(rest: RestStore, handlers: ViewHandlers, signal: AbortSignal): Promise<void> {
  const store = rest.store;
  const prefix = rest.prefix();
  for (;;) {
    const listed = await store.list(prefix);
    handlers.reset();
    for (const kv of listed.items) handlers.put(rest.decodeShared(kv));
    try {
      await store.watch(prefix, listed.revision, (e) => {
        const obj = rest.decodeShared(e.kv);
        if (e.type === "DELETED") handlers.removed(obj);
        else handlers.put(obj, e.prev && rest.decodeShared(e.prev));
      }, signal, () => {
        // The store lost the history after our watch (etcd, disconnected across a compaction): list again.
        if (!signal.aborted) void followStore(rest, handlers, signal).catch(() => undefined);
      });
      return;
    } catch (err) {
      // Compacted between the list and the watch: list again.
      if (!(err instanceof CompactedError)) throw err;
    }
  }
}
