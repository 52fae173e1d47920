import { sleep, type Clock } from "../../client/clock.js";
import type { ImageStore } from "../runtime/runtime.js";
import { planImageGC, type ImageGCPolicy, type ImageRecord } from "./image-gc-plan.js";

/**
 * Upstream's realImageGCManager and the kubelet's image GC loop: the kubelet remembers each image it has
 * seen (first detected, last used by a container), and every GC period, when the image filesystem is used
 * at or above the high threshold, removes images no container uses — least recently used first, none
 * younger than the minimum age, none pinned — until usage is down to the low threshold.
 *
 * Events, on the Node, as upstream's: Warning FreeDiskSpaceFailed when the images that may go are not
 * enough, InvalidDiskCapacity when the filesystem reports no capacity, and ImageGCFailed when GC has
 * failed twice in a row (the first failure is only logged).
 */

/** Upstream's ImageGCPeriod. */
export const IMAGE_GC_PERIOD_MS = 5 * 60_000;

export interface ImageGCDeps {
  store: ImageStore;
  policy: ImageGCPolicy;
  clock: Clock;
  /** A Warning event on this node. */
  event(reason: string, message: string): void;
  log?: (entry: Record<string, unknown>) => void;
}

/** A GC round that did not get the image filesystem below the high threshold. */
export class ImageGCError extends Error {
  override name = "ImageGCError";
}

export class ImageGCManager {
  private readonly records = new Map<string, { firstDetected: number; lastUsed: number }>();
  private initialized = false;

  constructor(private readonly deps: ImageGCDeps) {}

  /**
   * Upstream's detectImages: learns new images (first detected now; at the first detection, "long ago",
   * since their age is unknown), marks those containers use as used now, forgets removed ones.
   */
  async detect(now: number): Promise<ImageRecord[]> {
    const [images, inUse] = await Promise.all([this.deps.store.list(), this.deps.store.inUse()]);
    const detected = this.initialized ? now : 0;
    this.initialized = true;
    const current = new Set<string>();
    const out: ImageRecord[] = [];
    for (const image of images) {
      current.add(image.id);
      let r = this.records.get(image.id);
      if (!r) this.records.set(image.id, (r = { firstDetected: detected, lastUsed: 0 }));
      const used = inUse.has(image.id);
      if (used) r.lastUsed = now;
      out.push({ id: image.id, size: image.size, firstDetected: r.firstDetected, lastUsed: r.lastUsed, inUse: used, pinned: image.pinned });
    }
    for (const id of [...this.records.keys()]) if (!current.has(id)) this.records.delete(id);
    return out;
  }

  /** One round of upstream's GarbageCollect; throws an ImageGCError (after its event) when it falls short. */
  async garbageCollect(): Promise<void> {
    const now = this.deps.clock.now();
    const images = await this.detect(now);
    const usage = await this.deps.store.fsUsage();
    const plan = planImageGC(images, usage, this.deps.policy, now);
    if (plan.action === "invalid-capacity") {
      const message = "invalid capacity 0 on image filesystem";
      this.deps.event("InvalidDiskCapacity", message);
      throw new ImageGCError(message);
    }
    if (plan.action === "none") return;
    this.deps.log?.({
      level: "info", component: "kubelet", msg: "Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold",
      usage: plan.usagePercent, highThreshold: this.deps.policy.highThresholdPercent, amountToFree: plan.amountToFree, lowThreshold: this.deps.policy.lowThresholdPercent,
    });
    let freed = 0;
    const errors: string[] = [];
    for (const image of plan.candidates) {
      if (freed >= plan.amountToFree) break;
      try {
        await this.deps.store.remove(image.id);
        this.deps.log?.({ level: "info", component: "kubelet", msg: "Removing image to free bytes", imageID: image.id, size: image.size });
        this.records.delete(image.id);
        freed += image.size;
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (errors.length > 0) {
      throw new ImageGCError(`wanted to free ${plan.amountToFree} bytes, but freed ${freed} bytes space with errors in image deletion: ${errors.join("\n")}`);
    }
    if (freed < plan.amountToFree) {
      const message = `Failed to garbage collect required amount of images. Attempted to free ${plan.amountToFree} bytes, but only found ${freed} bytes eligible to free.`;
      this.deps.event("FreeDiskSpaceFailed", message);
      throw new ImageGCError(message);
    }
  }

  /**
   * The kubelet's StartGarbageCollection for images: the first detection now, then a GC round every
   * `periodMs` until `signal` aborts. A high threshold of 100 % turns image GC off, as upstream.
   */
  async run(signal: AbortSignal, periodMs = IMAGE_GC_PERIOD_MS): Promise<void> {
    if (this.deps.policy.highThresholdPercent >= 100) {
      this.deps.log?.({ level: "info", component: "kubelet", msg: "ImageGCHighThresholdPercent is set 100, Disable image GC" });
      return;
    }
    await this.detect(this.deps.clock.now()).catch((err: unknown) => {
      this.initialized = false;
      this.deps.log?.({ level: "warn", component: "kubelet", msg: "Failed to monitor images", err: String(err) });
    });
    let failedBefore = false;
    for (;;) {
      await sleep(this.deps.clock, periodMs, signal);
      if (signal.aborted) return;
      try {
        await this.garbageCollect();
        failedBefore = false;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (failedBefore) {
          this.deps.log?.({ level: "error", component: "kubelet", msg: "Image garbage collection failed multiple times in a row", err: message });
          this.deps.event("ImageGCFailed", message);
        } else {
          this.deps.log?.({ level: "warn", component: "kubelet", msg: "Image garbage collection failed once. Stats initialization may not have completed yet", err: message });
        }
        failedBefore = true;
      }
    }
  }
}

/** The kubelet's image flags: --image-gc-high-threshold, --image-gc-low-threshold, --image-minimum-gc-age, --node-status-max-images. */
export interface KubeletImageFlags {
  gcPolicy: ImageGCPolicy;
  /** How often GC runs (upstream's fixed ImageGCPeriod, 5 min). */
  gcPeriodMs?: number;
  /** -1: every image. */
  nodeStatusMaxImages?: number;
}
