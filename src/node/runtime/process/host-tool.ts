import { existsSync } from "node:fs";
import { join } from "node:path";

const hostTools = new Map<string, string>();

/**
 * The host's own copy of a tool the runtime wraps containers with (nsenter, setpriv, busybox…), found
 * once on the node agent's PATH: a container's PATH (busybox images put their applets first) must not
 * pick the wrapper.
 */
export function hostTool(name: string): string {
  let path = hostTools.get(name);
  if (!path) {
    const dirs = (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":");
    path = dirs.map((d) => join(d, name)).find((p) => existsSync(p)) ?? name;
    hostTools.set(name, path);
  }
  return path;
}
