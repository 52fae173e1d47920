#!/usr/bin/env node
/**
 * Vendors upstream's published OpenAPI (api/openapi-spec/swagger.json of a Kubernetes release) as the one
 * description of the built-in types Tugboat serves: the definitions of the served group-versions' packages
 * and everything they reference, unchanged, gzipped into openapi/. Run by hand when moving to another
 * release or serving another group-version (openapi/README.md says where the file came from):
 *
 *   node scripts/vendor-openapi.mjs <upstream swagger.json> "<where it came from>"
 *
 * The build (scripts/gen-openapi.mjs) reads the vendored file; nothing else does.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const [input, source] = process.argv.slice(2);
if (!input || !source) {
  console.error('usage: node scripts/vendor-openapi.mjs <swagger.json> "<where it came from>"');
  process.exit(2);
}
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "openapi", "kubernetes-1.32.swagger.json.gz");

/**
 * The packages whose every definition is kept: the group-versions Tugboat serves (src/apiserver/kinds and
 * the reviews), autoscaling/v1 and policy/v1 for the scale and eviction subresources, and apimachinery's
 * meta types (DeleteOptions, Status, WatchEvent…). What they reference comes along.
 */
const PACKAGES = [
  "io.k8s.api.core.v1.", "io.k8s.api.apps.v1.", "io.k8s.api.batch.v1.", "io.k8s.api.storage.v1.",
  "io.k8s.api.coordination.v1.", "io.k8s.api.discovery.v1.", "io.k8s.api.rbac.v1.", "io.k8s.api.authentication.v1.",
  "io.k8s.api.authorization.v1.", "io.k8s.api.events.v1.", "io.k8s.api.certificates.v1.", "io.k8s.api.autoscaling.v1.",
  "io.k8s.api.policy.v1.", "io.k8s.apimachinery.pkg.apis.meta.v1.",
];

const text = readFileSync(input, "utf8");
const all = JSON.parse(text).definitions;
const kept = new Set();
const stack = Object.keys(all).filter((name) => PACKAGES.some((p) => name.startsWith(p)));
while (stack.length > 0) {
  const name = stack.pop();
  if (kept.has(name) || !all[name]) continue;
  kept.add(name);
  JSON.stringify(all[name], (key, value) => {
    if (key === "$ref" && typeof value === "string") stack.push(value.replace("#/definitions/", ""));
    return value;
  });
}
const definitions = Object.fromEntries([...kept].sort().map((name) => [name, all[name]]));
const doc = {
  swagger: "2.0",
  info: { title: "Kubernetes", version: "v1.32" },
  "x-tugboat-source": { from: source, sha256: createHash("sha256").update(text).digest("hex"), definitions: Object.keys(all).length, kept: kept.size },
  paths: {},
  definitions,
};
// One definition a line: the file stays readable (zcat | grep) and a re-vendoring diffs by definition.
const body = `{\n${Object.entries(doc).filter(([k]) => k !== "definitions").map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join("")}"definitions": {\n${Object.entries(definitions).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(",\n")}\n}\n}\n`;
JSON.parse(body);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, gzipSync(body, { level: 9 }));
console.log(`vendor-openapi: ${kept.size} of ${Object.keys(all).length} definitions → ${out} (${body.length} bytes, gzipped)`);
