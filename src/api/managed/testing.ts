import { readFileSync } from "node:fs";
import { MergeTypes } from "./merge-type.js";

let types: MergeTypes | undefined;

/** For tests: the merge types of the built-in kinds, read from the schemas the build generates (dist/openapi-schemas.json). */
export function builtinTypes(): MergeTypes {
  types ??= new MergeTypes(JSON.parse(readFileSync(new URL("../../../openapi-schemas.json", import.meta.url), "utf8")) as Record<string, Record<string, unknown>>);
  return types;
}
