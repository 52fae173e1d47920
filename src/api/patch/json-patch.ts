import jsonpatch from "fast-json-patch";
import { StatusError } from "../errors.js";

/** RFC 6902 JSON patch. A malformed patch or a failed `test` operation is a 422, as upstream. */
export function applyJsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new StatusError(400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  try {
    const doc = structuredClone(target);
    return jsonpatch.applyPatch(doc, patch as jsonpatch.Operation[], true, true, true).newDocument;
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new StatusError(422, "Invalid", `the server rejected our request due to an error in our request: ${message}`);
  }
}
