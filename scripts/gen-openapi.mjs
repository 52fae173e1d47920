// Builds the OpenAPI schemas the API server publishes (kubectl explain, apply, edit, validation) and reads
// (strict decoding, strategic merge patch, server-side apply) from the one description of the built-in
// types: upstream's published 1.32 OpenAPI, vendored in openapi/ (see openapi/README.md). Runs in
// `npm run build`, so the server starts from a ready file: dist/openapi-schemas.json, keyed by upstream's
// definition names (io.k8s.api.apps.v1.Deployment), in the OpenAPI v3 form upstream serves.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "openapi", "kubernetes-1.32.swagger.json.gz");
const out = join(process.cwd(), "dist", "openapi-schemas.json");

const V2_REF = "#/definitions/";
const V3_REF = "#/components/schemas/";

/**
 * A Swagger 2.0 schema in OpenAPI 3.0's spelling, as kube-apiserver serves its v3 documents: references
 * point into components, and a reference with siblings (a field's description, its list markers) becomes
 * `allOf: [{$ref}]` beside them, since a v3 `$ref` stands alone.
 */
function toV3(schema) {
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref") out.$ref = value.replace(V2_REF, V3_REF);
    else if (key === "properties") out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toV3(v)]));
    else if (key === "items" || key === "additionalProperties") out[key] = typeof value === "object" ? toV3(value) : value;
    else out[key] = value;
  }
  if (out.$ref && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { allOf: [{ $ref }], ...rest };
  }
  return out;
}

const published = JSON.parse(gunzipSync(readFileSync(source)).toString("utf8"));
const schemas = {};
for (const [name, schema] of Object.entries(published.definitions)) {
  // The kinds' group-version-kinds are the server's to say (only what it serves), as the paths are.
  const { "x-kubernetes-group-version-kind": _gvk, ...rest } = schema;
  schemas[name] = toV3(rest);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(schemas));
console.log(`gen-openapi: ${Object.keys(schemas).length} schemas (${published.info.version}) → ${relative(process.cwd(), out)}`);
