import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Container } from "kubernetes-types/core/v1.js";
import type { Mount } from "../../runtime/runtime.js";

/** The container's mounts: each volumeMount at its path, with subPath inside the volume. */
export function containerMounts(container: Container, volumes: Map<string, string>): Mount[] {
  return (container.volumeMounts ?? []).flatMap((m) => {
    const base = volumes.get(m.name);
    if (base === undefined) return [];
    const hostPath = m.subPath ? join(base, m.subPath) : base;
    if (m.subPath && !existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    return [{ hostPath, containerPath: m.mountPath, readOnly: m.readOnly ?? false }];
  });
}
