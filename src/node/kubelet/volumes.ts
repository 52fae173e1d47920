import { chmodSync, existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { Mount } from "../runtime/runtime.js";
import { ContainerConfigError } from "./container-env.js";
import { mountMemoryVolume } from "./memory-volume.js";

/** A volume that cannot be set up yet: the pod stays ContainerCreating with a FailedMount event. */
export class MountError extends Error {}

export interface VolumeSources {
  configMap(name: string): Record<string, string> | undefined;
  secret(name: string): Record<string, string> | undefined;
  /** Where a claim's bound volume lives on this host. */
  claimPath?(claim: string): string | undefined;
}

/**
 * Sets up the pod's volumes as directories under `podDir` (emptyDir; configMap and secret files) or on
 * the host (hostPath; a claim's PersistentVolume), returning where each volume lives.
 */
export function setUpVolumes(pod: Pod, podDir: string, sources: VolumeSources): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of pod.spec?.volumes ?? []) {
    const prefix = `MountVolume.SetUp failed for volume "${v.name}" : `;
    if (v.emptyDir) {
      const dir = join(podDir, "volumes", "empty-dir", v.name);
      mkdirSync(dir, { recursive: true });
      if (v.emptyDir.medium === "Memory") mountMemoryVolume(dir, v.emptyDir.sizeLimit);
      // World-writable, as upstream's emptyDir: containers of any user share it.
      chmodSync(dir, 0o777);
      out.set(v.name, dir);
    } else if (v.hostPath) {
      const { path, type = "" } = v.hostPath;
      if (type === "DirectoryOrCreate") mkdirSync(path, { recursive: true });
      else if (type === "FileOrCreate" && !existsSync(path)) writeFileSync(path, "");
      else if (type === "Directory" && !(existsSync(path) && statSync(path).isDirectory())) throw new MountError(`${prefix}hostPath type check failed: ${path} is not a directory`);
      else if (type === "File" && !(existsSync(path) && statSync(path).isFile())) throw new MountError(`${prefix}hostPath type check failed: ${path} is not a file`);
      out.set(v.name, path);
    } else if (v.persistentVolumeClaim) {
      const claim = v.persistentVolumeClaim.claimName;
      const path = sources.claimPath?.(claim);
      if (!path) throw new MountError(`${prefix}persistentvolumeclaim "${claim}" is not bound to a volume this node can mount`);
      mkdirSync(path, { recursive: true });
      out.set(v.name, path);
    } else if (v.configMap || v.secret) {
      const isSecret = v.secret !== undefined;
      const name = (isSecret ? v.secret?.secretName : v.configMap?.name) ?? "";
      const data = isSecret ? sources.secret(name) : sources.configMap(name);
      const optional = (isSecret ? v.secret?.optional : v.configMap?.optional) ?? false;
      if (!data && !optional) throw new MountError(`${prefix}${isSecret ? "secret" : "configmap"} "${name}" not found`);
      const dir = join(podDir, "volumes", isSecret ? "secret" : "configmap", v.name);
      mkdirSync(dir, { recursive: true });
      const items = (isSecret ? v.secret?.items : v.configMap?.items) ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }));
      for (const item of items) {
        if (data?.[item.key] === undefined) continue;
        const file = join(dir, item.path);
        mkdirSync(join(file, ".."), { recursive: true });
        writeFileSync(file, data[item.key] as string);
      }
      out.set(v.name, dir);
    } else {
      // Volume kinds the process runtime cannot provide still get a directory, so the pod can start.
      const dir = join(podDir, "volumes", "other", v.name);
      mkdirSync(dir, { recursive: true });
      out.set(v.name, dir);
    }
  }
  return out;
}

/**
 * Expands a subPathExpr from the container's env as the kubelet does: `$(VAR)` references, `$$` escapes;
 * a reference to a variable that is unset or empty fails the container.
 */
export function expandSubPathExpr(expr: string, env: Record<string, string>): string {
  const missing = new Set<string>();
  const expanded = expr.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
    if (match === "$$") return "$";
    const value = env[name as string] ?? "";
    if (value === "") missing.add(name as string);
    return value;
  });
  if (missing.size > 0) throw new ContainerConfigError(`missing value for ${[...missing].sort().join(", ")}`);
  return expanded;
}

/** Makes `sub` inside `base`, each new directory with the volume's own mode (upstream's SafeMakeDir). */
function makeSubPath(base: string, sub: string): void {
  const mode = statSync(base).mode & 0o7777;
  let dir = base;
  for (const part of sub.split("/").filter((p) => p && p !== ".")) {
    dir = join(dir, part);
    if (existsSync(dir)) continue;
    mkdirSync(dir);
    chmodSync(dir, mode);
  }
}

/**
 * The container's mounts: each volumeMount at its path, with subPath (or subPathExpr, expanded from the
 * container's `env`) inside the volume — created when missing, refused (CreateContainerConfigError, with
 * the kubelet's messages) when absolute, with `..`, or leading out of the volume through a symlink.
 */
export function containerMounts(container: Container, volumes: Map<string, string>, env: Record<string, string> = {}): Mount[] {
  return (container.volumeMounts ?? []).flatMap((m) => {
    const base = volumes.get(m.name);
    if (base === undefined) return [];
    const subPath = m.subPathExpr ? expandSubPathExpr(m.subPathExpr, env) : m.subPath ?? "";
    if (!subPath) return [{ hostPath: base, containerPath: m.mountPath, readOnly: m.readOnly ?? false }];
    if (isAbsolute(subPath)) throw new ContainerConfigError(`error SubPath \`${subPath}\` must not be an absolute path`);
    if (subPath.split("/").includes("..")) throw new ContainerConfigError(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
    const hostPath = join(base, subPath);
    if (!existsSync(hostPath)) makeSubPath(base, subPath);
    const inside = relative(realpathSync(base), realpathSync(hostPath));
    if (inside === ".." || inside.startsWith("../") || isAbsolute(inside)) {
      throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container "${container.name}"`);
    }
    return [{ hostPath, containerPath: m.mountPath, readOnly: m.readOnly ?? false }];
  });
}
