import { conflict, isConflict } from "../../api/errors.js";
import { formatTime } from "../../api/meta.js";
import type { KubeObject } from "../../api/types.js";
import type { Clock, RestStore } from "./rest.js";

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export const ORPHAN_FINALIZER = "orphan";
export const FOREGROUND_FINALIZER = "foregroundDeletion";

/**
 * Deletes as upstream's genericregistry.Store.Delete: preconditions, then either a graceful mark (pods on a
 * node: deletionTimestamp = now + grace, the node agent finishes the job), a mark that waits on finalizers
 * (`orphan` / `foregroundDeletion` recorded from propagationPolicy, for the garbage collector), or removal.
 */
export async function deleteObject(
  rest: RestStore,
  namespace: string | undefined,
  name: string,
  opts: DeleteOptions,
  clock: Clock,
): Promise<KubeObject> {
  // An immediate removal expects the revision it read: a write in between (a node agent's status update)
  // makes it read again and decide again, as upstream's storage delete does; only a precondition the
  // caller gave fails with 409.
  for (let attempt = 0; ; attempt++) {
    try {
      return await deleteOnce(rest, namespace, name, opts, clock);
    } catch (err) {
      if (err instanceof RemovalRaced && attempt < MAX_REMOVAL_RETRIES) continue;
      throw err instanceof RemovalRaced ? err.conflict : err;
    }
  }
}

const MAX_REMOVAL_RETRIES = 20;

/** The object changed between the read and its removal. */
class RemovalRaced extends Error {
  constructor(readonly conflict: unknown) {
    super("the object changed before its removal");
  }
}

async function removeAsRead(rest: RestStore, namespace: string | undefined, name: string, current: KubeObject): Promise<KubeObject> {
  try {
    return await rest.removeNow(namespace, name, Number(current.metadata.resourceVersion));
  } catch (err) {
    if (isConflict(err)) throw new RemovalRaced(err);
    throw err;
  }
}

async function deleteOnce(rest: RestStore, namespace: string | undefined, name: string, opts: DeleteOptions, clock: Clock): Promise<KubeObject> {
  const current = await rest.get(namespace, name);
  const meta = current.metadata;
  const pre = opts.preconditions ?? {};
  if (pre.uid && pre.uid !== meta.uid) {
    throw conflict(rest.qualified, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`);
  }
  if (pre.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
    throw conflict(rest.qualified, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`);
  }
  const grace = rest.info.strategy.gracePeriod?.(current, opts.gracePeriodSeconds) ?? 0;
  const policy = policyOf(opts, rest.info.defaultPropagation);
  const finalizers = finalizersFor(meta.finalizers ?? [], policy);

  if (meta.deletionTimestamp) {
    // Already being deleted: only a shorter grace period changes anything.
    const pending = meta.deletionGracePeriodSeconds ?? 0;
    if (!rest.info.strategy.gracePeriod || grace >= pending) return current;
    if (grace === 0 && (meta.finalizers ?? []).length === 0) {
      return opts.dryRun ? current : removeAsRead(rest, namespace, name, current);
    }
    return mark(rest, namespace, name, grace, undefined, opts, clock);
  }
  if (grace === 0 && finalizers.length === 0 && !rest.info.strategy.blocksDeletion?.(current)) {
    return opts.dryRun ? current : removeAsRead(rest, namespace, name, current);
  }
  return mark(rest, namespace, name, grace, (existing) => finalizersFor(existing, policy), opts, clock);
}

/**
 * Marks the object deleted. `finalizers` maps the finalizers the object has at write time (a retried
 * write sees the latest ones) to those it keeps; absent, they are left as they are.
 */
function mark(
  rest: RestStore, namespace: string | undefined, name: string, grace: number, finalizers: ((existing: string[]) => string[]) | undefined, opts: DeleteOptions, clock: Clock,
): Promise<KubeObject> {
  const deletion = { timestamp: formatTime(clock.now() + grace * 1000), gracePeriodSeconds: grace };
  return rest.guaranteedUpdate(namespace, name, { dryRun: opts.dryRun, deletion }, (obj) => {
    if (!finalizers) return obj;
    const next = finalizers(obj.metadata.finalizers ?? []);
    if (next.length > 0) obj.metadata.finalizers = next;
    else delete obj.metadata.finalizers;
    return obj;
  });
}

function policyOf(opts: DeleteOptions, fallback: string | undefined): string | undefined {
  if (opts.propagationPolicy) return opts.propagationPolicy;
  if (opts.orphanDependents !== undefined) return opts.orphanDependents ? "Orphan" : "Background";
  return fallback;
}

function finalizersFor(existing: string[], policy: string | undefined): string[] {
  const without = existing.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (policy === "Orphan") return [...without, ORPHAN_FINALIZER];
  if (policy === "Foreground") return [...without, FOREGROUND_FINALIZER];
  if (policy === "Background") return without;
  return existing;
}
