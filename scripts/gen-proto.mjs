#!/usr/bin/env node
/**
 * Generates typed TypeScript from the protocol definitions under proto/ with buf + protoc-gen-es. Each
 * proto root is generated into the `gen/` folder of the one layer that uses it, so the import table
 * (ARCHITECTURE.md) holds for generated code too. The output is committed: building needs no buf.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** proto root → the folder that gets its `gen/`. */
const targets = {
  "proto/k8s": "src/api/protobuf",
  "proto/cri": "src/node/runtime/containerd",
  "proto/etcd": "src/store/etcd",
};

const buf = join(root, "node_modules", ".bin", "buf");
for (const [input, output] of Object.entries(targets)) {
  if (!existsSync(join(root, input))) continue;
  execFileSync(buf, ["generate", input, "--template", "buf.gen.yaml", "--output", output], { cwd: root, stdio: "inherit", env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}` } });
  console.log(`${input} → ${output}/gen`);
}
