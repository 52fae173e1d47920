import { statfs } from "node:fs/promises";
import type { ImageFsUsage, ImageStore, StoredImage } from "../runtime.js";
import { normalizeImageRef } from "../image-ref.js";
import { isNotFound, type CriClient } from "./cri-client.js";

/**
 * The images of a CRI runtime as the kubelet's image GC and node status read them: ListImages, the image
 * ids its containers were created from (ListContainers, every container of every pod, as upstream's
 * GetPods(all) does), RemoveImage, and ImageFsInfo plus the size of that filesystem (upstream asks
 * cAdvisor for it; here statfs of the mountpoint).
 *
 * The runtime's sandbox image counts as pinned: containerd 1.7 reports it pinned itself, 1.6 does not, and
 * without it no pod can start (Tugboat's own is built and imported, and no registry has it).
 */
export class CriImageStore implements ImageStore {
  private sandboxImage?: Promise<string | undefined>;

  /** `removed(id)`: told after each removal, so the runtime's own image cache forgets the image. */
  constructor(private readonly cri: CriClient, private readonly removed: (id: string) => void = () => undefined) {}

  /** The CRI plugin's sandbox_image, from its verbose Status (containerd's `config.sandboxImage`). */
  private sandbox(): Promise<string | undefined> {
    this.sandboxImage ??= this.cri.runtime.status({ verbose: true }).then((r) => {
      try {
        const image = (JSON.parse(r.info.config ?? "{}") as { sandboxImage?: string }).sandboxImage;
        return image ? normalizeImageRef(image) : undefined;
      } catch {
        return undefined;
      }
    }, () => {
      this.sandboxImage = undefined;
      return undefined;
    });
    return this.sandboxImage;
  }

  async list(): Promise<StoredImage[]> {
    const [r, sandbox] = await Promise.all([this.cri.images.listImages({}), this.sandbox()]);
    return r.images.map((i) => ({
      id: i.id, repoTags: [...i.repoTags], repoDigests: [...i.repoDigests], size: Number(i.size),
      pinned: i.pinned || (sandbox !== undefined && i.repoTags.some((t) => normalizeImageRef(t) === sandbox)),
    }));
  }

  async inUse(): Promise<Set<string>> {
    const r = await this.cri.runtime.listContainers({});
    const ids = new Set<string>();
    for (const c of r.containers) {
      if (c.imageRef) ids.add(c.imageRef);
      if (c.image?.image) ids.add(c.image.image);
    }
    return ids;
  }

  async remove(id: string): Promise<void> {
    try {
      await this.cri.images.removeImage({ image: { image: id } });
    } catch (err) {
      // Already gone is what removal wanted.
      if (!isNotFound(err)) throw err;
    }
    this.removed(id);
  }

  async fsUsage(): Promise<ImageFsUsage> {
    const r = await this.cri.images.imageFsInfo({});
    const fs = r.imageFilesystems[0];
    const mountpoint = fs?.fsId?.mountpoint ?? "";
    if (!mountpoint) throw new Error("the container runtime reports no image filesystem");
    const s = await statfs(mountpoint);
    return {
      mountpoint, usedBytes: Number(fs?.usedBytes?.value ?? 0n),
      capacityBytes: s.blocks * s.bsize, availableBytes: s.bavail * s.bsize,
    };
  }
}
