import { intToIpv4, ipv4ToInt, parseCidr } from "../../api/ipv4.js";
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, type Store } from "../../store/store.js";

/** A numbered range (IPv4 addresses as integers, or ports) whose members are handed out one each. */
export interface Range {
  /** Store prefix holding one key per allocated member. */
  prefix: string;
  first: number;
  last: number;
  /** Where random picks start: upstream leaves the low part of a range to static requests. */
  dynamicFirst: number;
  format(n: number): string;
  parse(text: string): number | undefined;
}

/** An IPv4 CIDR as a range: network and broadcast addresses excluded, the low 1/16 (16–256 addresses) kept for static picks. */
export function cidrRange(cidr: string, prefix: string): Range {
  const { base, size } = parseCidr(cidr) ?? { base: 0, size: 0 };
  if (size < 4) throw new Error(`Invalid service CIDR ${cidr}`);
  const staticBand = Math.min(Math.max(16, Math.floor(size / 16)), 256);
  return { prefix, first: base + 1, last: base + size - 2, dynamicFirst: base + staticBand, format: intToIpv4, parse: ipv4ToInt };
}

export function portRange(first: number, last: number, prefix: string): Range {
  const staticBand = Math.min(Math.max(16, Math.floor((last - first + 1) / 32)), 128);
  return { prefix, first, last, dynamicFirst: first + staticBand, format: String, parse: (t) => (/^\d+$/.test(t) ? Number(t) : undefined) };
}

const RANDOM_ATTEMPTS = 32;

/**
 * Hands out members of a range, each recorded as its own store key created atomically, so several API
 * servers on one store never hand out the same member and a restart forgets nothing (upstream keeps a
 * bitmap object under /registry/ranges; one key per member needs no read-modify-write).
 */
export class RangeAllocator {
  constructor(private readonly store: Store, readonly range: Range) {}

  contains(n: number): boolean {
    return n >= this.range.first && n <= this.range.last;
  }

  private key(n: number): string {
    return `${this.range.prefix}${this.range.format(n)}`;
  }

  /** Records `n` for `owner`; false when another owner holds it. Holding it already is success. */
  async allocate(n: number, owner: string): Promise<boolean> {
    try {
      await this.store.create(this.key(n), JSON.stringify({ owner }));
      return true;
    } catch (err) {
      if (!(err instanceof KeyExistsError)) throw err;
      return (await this.ownerOf(n)) === owner;
    }
  }

  /** Whether `n` is free (for dry runs: nothing is recorded). */
  async isFree(n: number): Promise<boolean> {
    return (await this.store.get(this.key(n))) === undefined;
  }

  /** A free member recorded for `owner`: random picks in the dynamic band, then a scan of the whole range. */
  async allocateNext(owner: string): Promise<number | undefined> {
    const { dynamicFirst, last, first } = this.range;
    for (let i = 0; i < RANDOM_ATTEMPTS; i++) {
      const n = dynamicFirst + Math.floor(Math.random() * (last - dynamicFirst + 1));
      if (await this.allocate(n, owner)) return n;
    }
    const taken = await this.allocated();
    for (let n = dynamicFirst; n <= last; n++) if (!taken.has(n) && (await this.allocate(n, owner))) return n;
    for (let n = first; n < dynamicFirst; n++) if (!taken.has(n) && (await this.allocate(n, owner))) return n;
    return undefined;
  }

  /** Frees `n` if `owner` holds it (a member re-taken by someone else stays theirs). */
  async release(n: number, owner: string): Promise<void> {
    const kv = await this.store.get(this.key(n));
    if (!kv || (JSON.parse(kv.value) as { owner?: string }).owner !== owner) return;
    try {
      await this.store.delete(kv.key, kv.modRevision);
    } catch (err) {
      if (!(err instanceof KeyNotFoundError || err instanceof RevisionMismatchError)) throw err;
    }
  }

  async ownerOf(n: number): Promise<string | undefined> {
    const kv = await this.store.get(this.key(n));
    return kv ? (JSON.parse(kv.value) as { owner?: string }).owner : undefined;
  }

  /** Every recorded member with its owner and the revision it was last written at. */
  async members(): Promise<Array<{ n: number; owner: string; modRevision: number }>> {
    const result: Array<{ n: number; owner: string; modRevision: number }> = [];
    for (const kv of (await this.store.list(this.range.prefix)).items) {
      const n = this.range.parse(kv.key.slice(this.range.prefix.length));
      if (n !== undefined) result.push({ n, owner: (JSON.parse(kv.value) as { owner?: string }).owner ?? "", modRevision: kv.modRevision });
    }
    return result;
  }

  /** Frees `n` if nobody wrote it since `modRevision`; false when it changed or is gone. */
  async releaseAt(n: number, modRevision: number): Promise<boolean> {
    try {
      await this.store.delete(this.key(n), modRevision);
      return true;
    } catch (err) {
      if (err instanceof KeyNotFoundError || err instanceof RevisionMismatchError) return false;
      throw err;
    }
  }

  /** Every recorded member with its owner. */
  async allocated(): Promise<Map<number, string>> {
    const result = new Map<number, string>();
    const list = await this.store.list(this.range.prefix);
    for (const kv of list.items) {
      const n = this.range.parse(kv.key.slice(this.range.prefix.length));
      if (n !== undefined) result.set(n, (JSON.parse(kv.value) as { owner?: string }).owner ?? "");
    }
    return result;
  }
}
