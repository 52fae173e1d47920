import type { KubeObject } from "../api/types.js";

export type IndexFunc = (obj: KubeObject) => string[];

export const byNamespace: IndexFunc = (o) => (o.metadata.namespace ? [o.metadata.namespace] : []);
export const byOwnerUid: IndexFunc = (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid);
/** Objects no controller owns, by namespace: what a controller may adopt. */
export const orphansByNamespace: IndexFunc = (o) => ((o.metadata.ownerReferences ?? []).some((r) => r.controller === true) ? [] : [o.metadata.namespace ?? ""]);
export const byNodeName: IndexFunc = (o) => {
  const node = (o.spec as { nodeName?: string } | undefined)?.nodeName;
  return node ? [node] : [];
};

export function keyOf(obj: Pick<KubeObject, "metadata">): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : String(obj.metadata.name);
}

/** A thread-safe-by-construction (single-threaded) store of objects by key, with named secondary indices. */
export class Indexer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly funcs: Array<{ fn: IndexFunc; index: Map<string, Set<string>> }> = [];

  constructor(funcs: Record<string, IndexFunc> = { namespace: byNamespace }) {
    for (const [name, fn] of Object.entries(funcs)) {
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      this.funcs.push({ fn, index });
    }
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  byIndex(index: string, value: string): T[] {
    const keys = this.indices.get(index)?.get(value);
    if (!this.indices.has(index)) throw new Error(`No index named "${index}"`);
    return keys ? [...keys].map((k) => this.items.get(k)!) : [];
  }

  /** Stores `obj`; an update leaves alone the indices whose values it didn't change (most: a status update). */
  set(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    this.items.set(key, obj);
    for (const { fn, index } of this.funcs) {
      const now = fn(obj);
      if (old) {
        const before = fn(old);
        if (sameValues(before, now)) continue;
        remove(index, key, before);
      }
      for (const value of now) {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      }
    }
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (old) {
      for (const { fn, index } of this.funcs) remove(index, key, fn(old));
      this.items.delete(key);
    }
    return old;
  }
}

function remove(index: Map<string, Set<string>>, key: string, values: string[]): void {
  for (const value of values) {
    const keys = index.get(value);
    keys?.delete(key);
    if (keys?.size === 0) index.delete(value);
  }
}

function sameValues(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
