import { parseGoDuration } from "../api/cron.js";
import { DEFAULT_IMAGE_GC_POLICY } from "../node/kubelet/image-gc-plan.js";
import { IMAGE_GC_PERIOD_MS, type KubeletImageFlags } from "../node/kubelet/image-gc.js";
import { DEFAULT_NODE_STATUS_MAX_IMAGES } from "../node/kubelet/node-images.js";

/** The kubelet's image flags (upstream's names), on `tug up` and `tug node`. */
export const IMAGE_FLAGS = ["image-gc-high-threshold", "image-gc-low-threshold", "image-minimum-gc-age", "image-gc-period", "node-status-max-images"] as const;

export const IMAGE_USAGE = `          --image-gc-high-threshold N  with --runtime containerd: image GC runs when the image filesystem is N % used
                           or more (default 85; 100 turns it off)
          --image-gc-low-threshold N   image GC frees down to N % (default 80; less than the high threshold)
          --image-minimum-gc-age D     image GC leaves images seen for less than D (default 2m)
          --image-gc-period D          how often image GC runs (Tugboat's own; upstream's is a fixed 5m)
          --node-status-max-images N   the largest N images in the Node's status.images (default 50; -1: all)
`;

function int(value: string | undefined, flag: string, fallback: number): number | string {
  if (value === undefined) return fallback;
  const n = /^[+-]?\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : `invalid argument "${value}" for "--${flag}" flag: not an integer`;
}

function duration(value: string | undefined, flag: string, fallbackMs: number): number | string {
  if (value === undefined) return fallbackMs;
  const ns = parseGoDuration(value);
  if (ns === undefined || ns < 0) return `invalid argument "${value}" for "--${flag}" flag: not a duration such as 2m or 30s`;
  return ns / 1e6;
}

/** The flags' values checked as the kubelet's configuration validation checks them: the flags or the usage error. */
export function imageFlags(values: Record<string, string | undefined>): KubeletImageFlags | string {
  const high = int(values["image-gc-high-threshold"], "image-gc-high-threshold", DEFAULT_IMAGE_GC_POLICY.highThresholdPercent);
  const low = int(values["image-gc-low-threshold"], "image-gc-low-threshold", DEFAULT_IMAGE_GC_POLICY.lowThresholdPercent);
  const minAgeMs = duration(values["image-minimum-gc-age"], "image-minimum-gc-age", DEFAULT_IMAGE_GC_POLICY.minAgeMs);
  const gcPeriodMs = duration(values["image-gc-period"], "image-gc-period", IMAGE_GC_PERIOD_MS);
  const maxImages = int(values["node-status-max-images"], "node-status-max-images", DEFAULT_NODE_STATUS_MAX_IMAGES);
  for (const v of [high, low, minAgeMs, gcPeriodMs, maxImages]) if (typeof v === "string") return v;
  const [h, l, age, period, max] = [high, low, minAgeMs, gcPeriodMs, maxImages] as number[];
  if (h! < 0 || h! > 100) return `invalid configuration: imageGCHighThresholdPercent (--image-gc-high-threshold) ${h} must be between 0 and 100, inclusive`;
  if (l! < 0 || l! > 100) return `invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) ${l} must be between 0 and 100, inclusive`;
  if (l! >= h!) return `invalid configuration: imageGCLowThresholdPercent (--image-gc-low-threshold) ${l} must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) ${h}`;
  if (max! < -1) return `invalid configuration: nodeStatusMaxImages (--node-status-max-images) ${max} must be -1 or greater`;
  if (period! <= 0) return `invalid argument "${values["image-gc-period"]}" for "--image-gc-period" flag: must be more than 0`;
  return { gcPolicy: { highThresholdPercent: h!, lowThresholdPercent: l!, minAgeMs: age! }, gcPeriodMs: period!, nodeStatusMaxImages: max! };
}
