import { intToIpv4, parseCidr } from "../../api/ipv4.js";

/**
 * The most subnets one cluster CIDR is cut into, as upstream's cidrset (its mask size may be at most 16
 * bits longer than the cluster's): the bitmap is sized by the flags, so they are bounded.
 */
const MAX_SUBNET_BITS = 16;

/** The cluster CIDR has no free subnet left (upstream's ErrCIDRRangeNoCIDRsRemaining). */
export class CidrSetFullError extends Error {
  constructor(clusterCIDR: string) {
    super(`CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range ${clusterCIDR}`);
    this.name = "CidrSetFullError";
  }
}

/** A subnet that is not inside the cluster CIDR, or not a CIDR at all. */
export class CidrOutOfRangeError extends Error {
  constructor(cidr: string, clusterCIDR: string) {
    super(`CIDR ${cidr} is not in the cluster CIDR ${clusterCIDR}`);
    this.name = "CidrOutOfRangeError";
  }
}

/**
 * The pod CIDRs of one cluster CIDR, as upstream's range allocator keeps them: a bitmap of its
 * /`maskSize` subnets, in memory only. It is rebuilt from the Nodes' `spec.podCIDR` when the controller
 * starts (occupy each), so the Nodes are the record and nothing else is stored.
 *
 * Worked example: 10.88.0.0/16 with mask size 24 has 2^(24-16) = 256 subnets, 10.88.0.0/24 (index 0) to
 * 10.88.255.0/24 (index 255); 10.88.3.0/24 is index (10.88.3.0 − 10.88.0.0) / 256 = 3.
 *
 * `allocateNext` searches from just after the last subnet it handed out (wrapping), as upstream's does, so a
 * subnet just released (a Node deleted) is not at once given to the next Node while its old routes and
 * addresses may still linger.
 */
export class CidrSet {
  private readonly base: number;
  private readonly subnetSize: number;
  private readonly used: Uint8Array;
  private allocated = 0;
  private next = 0;

  constructor(readonly clusterCIDR: string, readonly maskSize: number) {
    const cluster = parseCidr(clusterCIDR);
    if (!cluster) throw new Error(`invalid cluster CIDR "${clusterCIDR}": want an IPv4 CIDR such as 10.88.0.0/16`);
    const clusterBits = 32 - Math.log2(cluster.size);
    if (!Number.isInteger(maskSize) || maskSize < clusterBits || maskSize > 32) {
      throw new Error(`invalid node CIDR mask size ${maskSize}: it must be between the cluster CIDR's (${clusterBits}) and 32`);
    }
    if (maskSize - clusterBits > MAX_SUBNET_BITS) {
      throw new Error(`node CIDR mask size ${maskSize} is too big for ${clusterCIDR}: at most ${clusterBits + MAX_SUBNET_BITS}`);
    }
    this.base = cluster.base;
    this.subnetSize = 2 ** (32 - maskSize);
    this.used = new Uint8Array(2 ** (maskSize - clusterBits));
  }

  /** How many subnets are handed out. */
  get size(): number {
    return this.allocated;
  }

  /** The next free subnet, now taken; throws {@link CidrSetFullError} when none is left. */
  allocateNext(): string {
    const count = this.used.length;
    for (let k = 0; k < count; k++) {
      const i = (this.next + k) % count;
      if (this.used[i]) continue;
      this.mark(i, 1);
      this.next = (i + 1) % count;
      return this.format(i);
    }
    throw new CidrSetFullError(this.clusterCIDR);
  }

  /**
   * Marks every subnet `cidr` covers as taken (a Node's podCIDR, or the service range where it overlaps):
   * taking a taken one is no error. Throws {@link CidrOutOfRangeError} when `cidr` lies outside the cluster CIDR.
   */
  occupy(cidr: string): void {
    const [first, last] = this.indexes(cidr);
    for (let i = first; i <= last; i++) this.mark(i, 1);
  }

  /** Frees the subnets `cidr` covers; releasing a free one is no error. */
  release(cidr: string): void {
    const [first, last] = this.indexes(cidr);
    for (let i = first; i <= last; i++) this.mark(i, 0);
  }

  /** Whether `cidr` overlaps the cluster CIDR at all. */
  overlaps(cidr: string): boolean {
    const range = parseCidr(cidr);
    if (!range) return false;
    const end = this.base + this.used.length * this.subnetSize;
    return range.base < end && range.base + range.size > this.base;
  }

  /** The subnet indexes `cidr` covers, clipped to the cluster CIDR for ranges wider than it. */
  private indexes(cidr: string): [number, number] {
    const range = parseCidr(cidr);
    if (!range || !this.overlaps(cidr)) throw new CidrOutOfRangeError(cidr, this.clusterCIDR);
    const first = Math.max(0, Math.floor((range.base - this.base) / this.subnetSize));
    const last = Math.min(this.used.length - 1, Math.floor((range.base + range.size - 1 - this.base) / this.subnetSize));
    return [first, last];
  }

  private mark(i: number, value: 0 | 1): void {
    if (this.used[i] === value) return;
    this.used[i] = value;
    this.allocated += value ? 1 : -1;
  }

  private format(i: number): string {
    return `${intToIpv4(this.base + i * this.subnetSize)}/${this.maskSize}`;
  }
}
