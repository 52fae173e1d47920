// Builds the OpenAPI schemas the API server publishes (kubectl explain, apply, edit) from kubernetes-types'
// declarations, which carry upstream's field descriptions. Runs in `npm run build`; writes
// dist/openapi-schemas.json, keyed by upstream's definition names (io.k8s.api.apps.v1.Deployment).
import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

const require = createRequire(import.meta.url);
const root = dirname(require.resolve("kubernetes-types/package.json"));
const out = join(process.cwd(), "dist", "openapi-schemas.json");

/** Where each declaration file's types live in upstream's OpenAPI names. */
function namespaceOf(file) {
  const rel = relative(root, file).replace(/\.d\.ts$/, "");
  const special = {
    "meta/v1": "io.k8s.apimachinery.pkg.apis.meta.v1",
    "api/resource": "io.k8s.apimachinery.pkg.api.resource",
    runtime: "io.k8s.apimachinery.pkg.runtime",
    version: "io.k8s.apimachinery.pkg.version",
    "apiextensions/v1": "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1",
  };
  return special[rel] ?? `io.k8s.api.${rel.replace("/", ".")}`;
}

/**
 * How lists and maps merge (x-kubernetes-list-type, -list-map-keys, -patch-strategy, -patch-merge-key,
 * -map-type): the one table strategic merge patch and server-side apply read, compiled by tsc just before.
 */
const { listSemantics, ATOMIC_STRUCTS, ATOMIC_MAPS } = await import(new URL("../dist/src/api/managed/merge-meta.js", import.meta.url).href);
/**
 * The numbers Go declares int64 (TypeScript's declarations say only `number`; every other number is an
 * int32), and the float64 ones. The API server's decoder refuses a value beyond its field's format.
 */
const INT64 = {
  ObjectMeta: ["generation", "deletionGracePeriodSeconds"], ListMeta: ["remainingItemCount"], DeleteOptions: ["gracePeriodSeconds"],
  Condition: ["observedGeneration"], PodSpec: ["terminationGracePeriodSeconds", "activeDeadlineSeconds"], Probe: ["terminationGracePeriodSeconds"],
  PodSecurityContext: ["runAsUser", "runAsGroup", "fsGroup", "supplementalGroups"], SecurityContext: ["runAsUser", "runAsGroup"],
  Toleration: ["tolerationSeconds"], SleepAction: ["seconds"], ContainerImage: ["sizeBytes"], ServiceAccountTokenProjection: ["expirationSeconds"],
  ReplicationControllerStatus: ["observedGeneration"], DeploymentStatus: ["observedGeneration"], ReplicaSetStatus: ["observedGeneration"],
  StatefulSetStatus: ["observedGeneration"], DaemonSetStatus: ["observedGeneration"], ControllerRevision: ["revision"],
  JobSpec: ["activeDeadlineSeconds"], CronJobSpec: ["startingDeadlineSeconds"], TokenRequestSpec: ["expirationSeconds"], TokenRequest: ["expirationSeconds"],
  HorizontalPodAutoscalerStatus: ["observedGeneration"], PodDisruptionBudgetStatus: ["observedGeneration"],
  ValidatingAdmissionPolicyStatus: ["observedGeneration"], StorageVersionCondition: ["observedGeneration"],
  JSONSchemaProps: ["maxItems", "maxLength", "maxProperties", "minItems", "minLength", "minProperties"],
  NamedResourcesAttribute: ["int"], NamedResourcesIntSlice: ["ints"],
};
const FLOAT64 = { JSONSchemaProps: ["maximum", "minimum", "multipleOf"] };

function files(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith(".d.ts") ? [p] : [];
  });
}

const schemas = {};
for (const file of files(root)) {
  const ns = namespaceOf(file);
  const source = ts.createSourceFile(file, ts.sys.readFile(file), ts.ScriptTarget.Latest, true);
  const imports = new Map();
  const local = new Set();
  for (const st of source.statements) {
    if (ts.isImportDeclaration(st)) {
      const from = namespaceOf(join(dirname(file), st.moduleSpecifier.text + ".d.ts").replace(/\/index\.d\.ts$/, ".d.ts"));
      for (const el of st.importClause?.namedBindings?.elements ?? []) imports.set(el.name.text, from);
    } else if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) local.add(st.name.text);
  }
  const refName = (name) => (imports.has(name) ? `${imports.get(name)}.${name}` : local.has(name) ? `${ns}.${name}` : undefined);
  const docOf = (node) => ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).map((d) => (typeof d.comment === "string" ? d.comment : ts.getTextOfJSDocComment(d.comment) ?? "")).join("\n").trim();

  const typeSchema = (t) => {
    if (t.kind === ts.SyntaxKind.StringKeyword) return { type: "string" };
    if (t.kind === ts.SyntaxKind.NumberKeyword) return { type: "integer", format: "int32" };
    if (t.kind === ts.SyntaxKind.BooleanKeyword) return { type: "boolean" };
    if (ts.isLiteralTypeNode(t)) return { type: "string" };
    if (ts.isUnionTypeNode(t)) {
      const kinds = t.types.map((x) => x.kind);
      if (kinds.includes(ts.SyntaxKind.NumberKeyword) && kinds.includes(ts.SyntaxKind.StringKeyword)) return { type: "string", format: "int-or-string", "x-kubernetes-int-or-string": true };
      return typeSchema(t.types[0]);
    }
    if (ts.isArrayTypeNode(t)) return { type: "array", items: typeSchema(t.elementType) };
    if (ts.isTypeReferenceNode(t)) {
      const name = t.typeName.getText();
      if (name === "Array" && t.typeArguments?.length === 1) return { type: "array", items: typeSchema(t.typeArguments[0]) };
      const ref = refName(name);
      return ref ? { $ref: `#/components/schemas/${ref}` } : { type: "object" };
    }
    if (ts.isTypeLiteralNode(t)) {
      const index = t.members.find(ts.isIndexSignatureDeclaration);
      if (index) return { type: "object", additionalProperties: typeSchema(index.type) };
      return { type: "object" };
    }
    return { type: "object" };
  };

  for (const st of source.statements) {
    if (ts.isTypeAliasDeclaration(st)) {
      const s = typeSchema(st.type);
      if (st.name.text === "Time" || st.name.text === "MicroTime") s.format = "date-time";
      schemas[`${ns}.${st.name.text}`] = { description: docOf(st), ...s };
    } else if (ts.isInterfaceDeclaration(st)) {
      const properties = {};
      const required = [];
      for (const m of st.members) {
        if (!ts.isPropertySignature(m) || !m.type) continue;
        const name = m.name.getText().replace(/^"|"$/g, "");
        let s = typeSchema(m.type);
        const description = docOf(m);
        const number = s.type === "integer" ? s : s.type === "array" && s.items.type === "integer" ? s.items : undefined;
        if (number && INT64[st.name.text]?.includes(name)) number.format = "int64";
        if (number && FLOAT64[st.name.text]?.includes(name)) Object.assign(number, { type: "number", format: "double" });
        if (s.$ref) s = { allOf: [s], ...(description ? { description } : {}) };
        else if (description) s.description = description;
        const list = s.type === "array" ? listSemantics(st.name.text, name) : undefined;
        if (list) {
          Object.assign(s, { "x-kubernetes-list-type": list.listType }, list.keys ? { "x-kubernetes-list-map-keys": list.keys } : {});
          if (list.patchStrategy) Object.assign(s, { "x-kubernetes-patch-strategy": list.patchStrategy }, list.patchMergeKey ? { "x-kubernetes-patch-merge-key": list.patchMergeKey } : {});
        }
        if (ATOMIC_MAPS.has(`${st.name.text}.${name}`)) s["x-kubernetes-map-type"] = "atomic";
        properties[name] = s;
        if (!m.questionToken) required.push(name);
      }
      const atomic = ATOMIC_STRUCTS.has(st.name.text) ? { "x-kubernetes-map-type": "atomic" } : {};
      // FieldsV1 is opaque JSON (a managedFields entry's field set), as upstream publishes it: no properties to prune.
      const opaque = st.name.text === "FieldsV1" && ns.endsWith("meta.v1");
      schemas[`${ns}.${st.name.text}`] = { description: docOf(st), type: "object", ...(opaque ? {} : { properties }), ...(required.length ? { required } : {}), ...atomic };
    }
  }
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(schemas));
console.log(`gen-openapi: ${Object.keys(schemas).length} schemas → ${relative(process.cwd(), out)}`);
