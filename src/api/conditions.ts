/** The fields every Kubernetes condition has that setting one looks at. */
interface Condition {
  type: string;
  status: string;
  lastTransitionTime?: string | null;
}

/**
 * Upstream's way of setting a condition (UpdatePodCondition, the Job controller's): `next` replaces the
 * condition of its type where it stands, or is appended; its lastTransitionTime is `now` only when the
 * status changed, else the old one's. Returns the new list; `conditions` is left as it was.
 */
export function withCondition<C extends Condition>(conditions: readonly C[] | undefined, next: Omit<C, "lastTransitionTime">, now: string): C[] {
  const list = conditions ?? [];
  const old = list.find((c) => c.type === next.type);
  const set = { ...next, lastTransitionTime: old?.status === next.status ? old.lastTransitionTime : now } as C;
  return old ? list.map((c) => (c === old ? set : c)) : [...list, set];
}
