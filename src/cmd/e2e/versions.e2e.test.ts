import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { Cluster, KUBECTL } from "./harness.js";

/** The other kubectl versions installed beside the default one (kubectl.1.27 … kubectl.1.33), if any. */
function otherVersions(): string[] {
  const found = spawnSync("sh", ["-c", `command -v ${KUBECTL}`], { encoding: "utf8" }).stdout.trim();
  if (!found) return [];
  const dir = dirname(realpathSync(found));
  return ["1.27", "1.28", "1.29", "1.30", "1.31", "1.33"].map((v) => join(dir, `kubectl.${v}`)).filter((p) => existsSync(p));
}

const versions = otherVersions();

describe("kubectl versions 1.27–1.33", { skip: versions.length === 0 ? "no versioned kubectl binaries beside the default one" : undefined }, () => {
  let c: Cluster;
  before(async () => {
    c = await Cluster.start(["--runtime", "simulated"]);
  });
  after(async () => {
    await c.stop();
  });

  for (const binary of versions) {
    const version = binary.slice(binary.lastIndexOf("kubectl.") + 8);
    test(`kubectl ${version}: create, apply, get -o wide, scale, explain, delete`, () => {
      const run = (args: string[], input?: string) => {
        const r = spawnSync(binary, ["--kubeconfig", c.kubeconfig, ...args], { input, encoding: "utf8", timeout: 30_000 });
        assert.equal(r.status, 0, `kubectl ${version} ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
      };
      const name = `v${version.replace(".", "-")}`;
      run(["create", "deployment", name, "--image=ikubernetes/myapp:v1"]);
      run(["apply", "-f", "-"], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {k: v}\n`);
      assert.match(run(["get", "deploy", name, "-o", "wide"]), new RegExp(`${name}\\s+[01]/1\\s+[01]\\s+[01]\\s+\\S+\\s+myapp\\s+ikubernetes/myapp:v1\\s+app=${name}`));
      run(["scale", "deploy", name, "--replicas=2"]);
      assert.equal(run(["get", "deploy", name, "-o", "jsonpath={.spec.replicas}"]), "2");
      assert.match(run(["explain", "deployment.spec.replicas"]), /replicas\s+<integer>/);
      run(["delete", "deploy", name]);
    });
  }
});
