import type { StoredImage } from "../runtime/runtime.js";

/** Upstream's MaxNamesPerImageInNodeStatus: names beyond it are left out of a node's status.images. */
export const MAX_NAMES_PER_IMAGE = 5;

/** Upstream's default --node-status-max-images. */
export const DEFAULT_NODE_STATUS_MAX_IMAGES = 50;

export interface NodeImage {
  names: string[];
  sizeBytes: number;
}

/**
 * A Node's status.images as upstream's Images setter writes it: the largest images first (equal sizes:
 * by id, descending), at most `maxImages` of them (-1: all), each named by its repo digests then its
 * repo tags, at most five names.
 */
export function nodeStatusImages(images: readonly StoredImage[], maxImages = DEFAULT_NODE_STATUS_MAX_IMAGES): NodeImage[] {
  const sorted = [...images].sort((a, b) => (a.size === b.size ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : b.size - a.size));
  const kept = maxImages > -1 ? sorted.slice(0, maxImages) : sorted;
  return kept.map((i) => ({ names: [...i.repoDigests, ...i.repoTags].slice(0, MAX_NAMES_PER_IMAGE), sizeBytes: i.size }));
}
