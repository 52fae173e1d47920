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

  constructor(private readonly funcs: Record<string, IndexFunc> = { namespace: byNamespace }) {
    for (const name of Object.keys(funcs)) this.indices.set(name, new Map());
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

  set(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) this.unindex(key, old);
    this.items.set(key, obj);
    for (const [name, fn] of Object.entries(this.funcs)) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        if (!index.has(value)) index.set(value, new Set());
        index.get(value)!.add(key);
      }
    }
    return old;
  }

  delete(key: string): T | undefined {
    const old = this.items.get(key);
    if (old) {
      this.unindex(key, old);
      this.items.delete(key);
    }
    return old;
  }

  private unindex(key: string, obj: T): void {
    for (const [name, fn] of Object.entries(this.funcs)) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const set = index.get(value);
        set?.delete(key);
        if (set?.size === 0) index.delete(value);
      }
    }
  }
}
