import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { TUG_NODE_FLAGS } from "./node-flags.js";

test("bin/tug.js starts node with TUG_NODE_FLAGS (its shebang line)", () => {
  const bin = readFileSync(fileURLToPath(new URL("../../../bin/tug.js", import.meta.url)), "utf8");
  const shebang = bin.split("\n")[0]!;
  assert.equal(shebang, `#!/usr/bin/env -S node ${TUG_NODE_FLAGS.join(" ")}`);
});
