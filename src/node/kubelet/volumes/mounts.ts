import { chmodSync, existsSync, mkdirSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import type { Container } from "kubernetes-types/core/v1.js";
import type { Mount } from "../../runtime/runtime.js";
import { ContainerConfigError } from "../container-env.js";

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
