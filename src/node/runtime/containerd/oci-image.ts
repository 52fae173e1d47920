import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

/**
 * Single-layer OCI images built from files of this host (a static busybox is enough for a pause process,
 * a web server, a shell), written as an OCI image layout (image-spec v1: oci-layout, index.json, blobs/)
 * and packed into the tar that `ctr images import` and `skopeo copy oci-archive:` read. Nothing is
 * downloaded: this is how Tugboat gets its sandbox ("pause") image, and how the tests get theirs.
 *
 * The layer is an uncompressed tar made by the system's tar with fixed owners and times, so the same
 * files give the same digests.
 */

const run = promisify(execFile);

export interface ImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
}

export interface ImageContents {
  /** Path in the image → file of this host to copy there (mode kept). */
  files: Record<string, string>;
  /** Path in the image → link target (e.g. `bin/sh` → `busybox`). */
  symlinks?: Record<string, string>;
  /** Empty directories to create (e.g. `tmp`, `www`). */
  dirs?: string[];
  /** Path in the image → text content. */
  texts?: Record<string, string>;
  config: ImageConfig;
}

export interface BuiltImage {
  /** The OCI image layout directory (`oci:<dir>:<tag>` for skopeo). */
  layoutDir: string;
  /** The same layout as one tar (`ctr images import`, `oci-archive:`). */
  archive: string;
  /** The name the archive's index gives the image (containerd's io.containerd.image.name). */
  name: string;
  manifestDigest: string;
}

function sha256(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

function writeBlob(layoutDir: string, data: Buffer | string): { digest: string; size: number } {
  const digest = sha256(data);
  const file = join(layoutDir, "blobs", "sha256", digest.slice("sha256:".length));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
  return { digest, size: Buffer.byteLength(data) };
}

/** The architecture name OCI uses for this machine's CPU. */
export function ociArchitecture(): string {
  return ({ x64: "amd64", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x" } as Record<string, string>)[process.arch] ?? process.arch;
}

/**
 * Builds the image `name` (a full reference, e.g. `tugboat.local/pause:1`) from `contents` into
 * `outDir` (created; replaced if it exists): `<outDir>/layout` and `<outDir>/image.tar`.
 */
export async function buildOciImage(name: string, contents: ImageContents, outDir: string): Promise<BuiltImage> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const rootfs = mkdtempSync(join(outDir, "rootfs-"));
  for (const [path, from] of Object.entries(contents.files)) {
    mkdirSync(dirname(join(rootfs, path)), { recursive: true });
    copyFileSync(from, join(rootfs, path));
  }
  for (const [path, target] of Object.entries(contents.symlinks ?? {})) {
    mkdirSync(dirname(join(rootfs, path)), { recursive: true });
    symlinkSync(target, join(rootfs, path));
  }
  for (const path of contents.dirs ?? []) mkdirSync(join(rootfs, path), { recursive: true });
  for (const [path, text] of Object.entries(contents.texts ?? {})) {
    mkdirSync(dirname(join(rootfs, path)), { recursive: true });
    writeFileSync(join(rootfs, path), text);
  }
  const layerTar = join(outDir, "layer.tar");
  await run("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", rootfs, "-cf", layerTar, "."]);
  rmSync(rootfs, { recursive: true, force: true });

  const layoutDir = join(outDir, "layout");
  mkdirSync(layoutDir, { recursive: true });
  const layerBytes = readFileSync(layerTar);
  rmSync(layerTar);
  const layer = writeBlob(layoutDir, layerBytes);
  const c = contents.config;
  const config = writeBlob(layoutDir, JSON.stringify({
    architecture: ociArchitecture(), os: "linux",
    config: {
      Env: c.env ?? ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      ...(c.entrypoint ? { Entrypoint: c.entrypoint } : {}), ...(c.cmd ? { Cmd: c.cmd } : {}),
      ...(c.workingDir ? { WorkingDir: c.workingDir } : {}), ...(c.user ? { User: c.user } : {}),
    },
    rootfs: { type: "layers", diff_ids: [layer.digest] },
  }));
  const manifest = writeBlob(layoutDir, JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { mediaType: "application/vnd.oci.image.config.v1+json", ...config },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar", ...layer }],
  }));
  const tag = name.slice(name.lastIndexOf(":") + 1);
  writeFileSync(join(layoutDir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  writeFileSync(join(layoutDir, "index.json"), JSON.stringify({
    schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{
      mediaType: "application/vnd.oci.image.manifest.v1+json", ...manifest,
      platform: { architecture: ociArchitecture(), os: "linux" },
      annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": tag },
    }],
  }));
  const archive = join(outDir, "image.tar");
  await run("tar", ["--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0", "-C", layoutDir, "-cf", `${archive}.tmp`, "."]);
  renameSync(`${archive}.tmp`, archive);
  return { layoutDir, archive, name, manifestDigest: manifest.digest };
}

/** Where Debian's busybox-static puts its binary. */
export const STATIC_BUSYBOX = "/bin/busybox";

/**
 * Tugboat's sandbox image: a static busybox whose `sleep` holds the pod's namespaces open, as upstream's
 * pause does (the process only has to live; containerd kills it when the sandbox stops).
 */
export function pauseImageContents(busybox = STATIC_BUSYBOX): ImageContents {
  return { files: { "pause/busybox": busybox }, config: { entrypoint: ["/pause/busybox", "sleep", "2147483647"], env: [] } };
}
