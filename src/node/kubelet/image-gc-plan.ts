/**
 * The arithmetic of upstream's image garbage collection (realImageGCManager.GarbageCollect), pure: given
 * the images the kubelet knows (when each was first seen and last used), how full the image filesystem is
 * and the policy, which images may go and how many bytes must.
 */

/** Upstream's ImageGCPolicy: the band GC keeps the image filesystem in, and how old an image must be to go. */
export interface ImageGCPolicy {
  /** At or above this usage (percent of the image filesystem) GC runs; 100 turns GC off. Upstream default 85. */
  highThresholdPercent: number;
  /** GC frees down to this usage. Upstream default 80. */
  lowThresholdPercent: number;
  /** An image seen for less than this is never removed (it may be about to be used). Upstream default 2 min. */
  minAgeMs: number;
}

export const DEFAULT_IMAGE_GC_POLICY: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000 };

/** What the kubelet remembers of one image (upstream's imageRecord), with what the runtime says now. */
export interface ImageRecord {
  id: string;
  size: number;
  /** When the kubelet first saw it; 0 for images present when the agent started (their age is unknown: old). */
  firstDetected: number;
  /** When a container last used it; 0 for never. */
  lastUsed: number;
  /** Some container was created from it (this detection). */
  inUse: boolean;
  pinned: boolean;
}

export interface FsUsage {
  capacityBytes: number;
  availableBytes: number;
}

export type ImageGCPlan =
  /** capacity 0: nothing can be computed (upstream's InvalidDiskCapacity). */
  | { action: "invalid-capacity" }
  | { action: "none"; usagePercent: number }
  | {
    action: "free";
    usagePercent: number;
    /** Bytes to remove to get down to the low threshold. */
    amountToFree: number;
    /** The images that may go, least recently used first (ties: first seen first): remove in order until amountToFree is freed. */
    candidates: Array<{ id: string; size: number }>;
  };

/**
 * Upstream's usage and amount, in integers as Go computes them. Worked example: capacity 1000, available
 * 120 → usage 100 − ⌊120·100/1000⌋ = 88 % ≥ 85 → free ⌊1000·(100−80)/100⌋ − 120 = 80 bytes.
 * Available above capacity counts as capacity (a filesystem reporting oddly).
 */
export function planImageGC(images: readonly ImageRecord[], usage: FsUsage, policy: ImageGCPolicy, now: number): ImageGCPlan {
  const capacity = Math.floor(usage.capacityBytes);
  if (capacity <= 0) return { action: "invalid-capacity" };
  const available = Math.min(Math.floor(usage.availableBytes), capacity);
  const usagePercent = 100 - Math.floor((available * 100) / capacity);
  if (usagePercent < policy.highThresholdPercent) return { action: "none", usagePercent };
  const amountToFree = Math.floor((capacity * (100 - policy.lowThresholdPercent)) / 100) - available;
  return { action: "free", usagePercent, amountToFree, candidates: evictionOrder(images, policy, now) };
}

/**
 * The images GC may remove now, in upstream's eviction order: never one in use or pinned, never one used
 * at or after `now`, never one younger than the policy's minimum age; least recently used first, ties
 * broken by which was seen first.
 */
export function evictionOrder(images: readonly ImageRecord[], policy: ImageGCPolicy, now: number): Array<{ id: string; size: number }> {
  return images
    .filter((i) => !i.inUse && !i.pinned && i.lastUsed < now && now - i.firstDetected >= policy.minAgeMs)
    .sort((a, b) => (a.lastUsed === b.lastUsed ? a.firstDetected - b.firstDetected : a.lastUsed - b.lastUsed))
    .map((i) => ({ id: i.id, size: i.size }));
}
