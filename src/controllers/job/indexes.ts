/**
 * A set of completion indexes kept as sorted, disjoint ranges, so "0-2147483646" costs one range, not
 * two billion entries: no user number (completions, a status written by hand) sizes an allocation.
 */
export class IndexSet {
  /** Sorted, disjoint, non-adjacent [from, to] ranges. */
  private ranges: Array<[number, number]> = [];
  private count = 0;

  static of(indexes: Iterable<number>): IndexSet {
    const set = new IndexSet();
    for (const i of indexes) set.add(i);
    return set;
  }

  get size(): number {
    return this.count;
  }

  /** The position of the first range whose end is at or after `i`. */
  private find(i: number): number {
    let lo = 0, hi = this.ranges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ranges[mid]![1] < i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(i: number): boolean {
    const r = this.ranges[this.find(i)];
    return r !== undefined && r[0] <= i;
  }

  add(i: number): void {
    this.addRange(i, i);
  }

  /** Adds [from, to], merging with the ranges it overlaps or touches. */
  addRange(from: number, to: number): void {
    if (to < from) return;
    let at = this.find(from - 1);
    let lo = from, hi = to;
    let removed = 0;
    while (at < this.ranges.length && this.ranges[at]![0] <= to + 1) {
      const [a, b] = this.ranges[at]!;
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
      removed += b - a + 1;
      this.ranges.splice(at, 1);
    }
    at = this.find(lo);
    this.ranges.splice(at, 0, [lo, hi]);
    this.count += hi - lo + 1 - removed;
  }

  /** The lowest index at or after `i` that is not in the set. */
  nextAbsent(i: number): number {
    const r = this.ranges[this.find(i)];
    return r !== undefined && r[0] <= i ? r[1] + 1 : i;
  }

  /** As upstream writes status.completedIndexes: runs of consecutive indexes as ranges, e.g. "0-2,4". */
  toString(): string {
    return this.ranges.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(",");
  }
}

/**
 * Completed indexes of an Indexed Job as upstream writes status.completedIndexes: sorted, runs of
 * consecutive indexes as ranges, e.g. [0, 1, 2, 4] ⇄ "0-2,4".
 */
export function formatIndexes(indexes: Iterable<number>): string {
  return (indexes instanceof IndexSet ? indexes : IndexSet.of(indexes)).toString();
}

/** The indexes in a completedIndexes string below `completions` (malformed parts are skipped). */
export function parseIndexes(text: string | undefined, completions: number): IndexSet {
  const out = new IndexSet();
  for (const part of (text ?? "").split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    out.addRange(Number(m[1]), Math.min(Number(m[2] ?? m[1]), completions - 1));
  }
  return out;
}
