import type { IncomingMessage } from "node:http";
import { LineCounter, parseDocument, type Tags } from "yaml";
import { badRequest, StatusError } from "../../api/errors.js";
import { decodeKubernetesProtobuf } from "../../api/protobuf/decode.js";
import { countJsonKeys, jsonDuplicateFields, yamlDuplicateKeys, type StrictBody } from "./duplicate-fields.js";

export const MAX_BODY_BYTES = 3 * 1024 * 1024;
const MAX_DEPTH = 100;

/**
 * Reads a request body, refusing more than 3 MiB with a 413 (upstream's limit). A request handed over in
 * one piece (`whole`: the in-process transport's) is taken as it is; a socket's is read from its events,
 * which costs less than an async iterator per request.
 */
export function readBody(req: IncomingMessage & { whole?: Buffer }): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  if (req.whole) return req.whole.length > MAX_BODY_BYTES ? Promise.reject(tooLarge()) : Promise.resolve(req.whole);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (err?: Error) => {
      req.off("data", onData).off("end", onEnd).off("error", settle).off("close", onClose);
      if (err) reject(err);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return settle(tooLarge());
      chunks.push(chunk);
    };
    const onEnd = () => settle();
    // A client that goes away mid-body: 'close' without 'end'.
    const onClose = () => settle(new Error("The client closed the request before sending its whole body"));
    req.on("data", onData).once("end", onEnd).once("error", settle).once("close", onClose);
  });
}

function tooLarge(): StatusError {
  return new StatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
}

/**
 * YAML as upstream's decoder reads it (sigs.k8s.io/yaml over go-yaml v2): YAML 1.1 scalars — `yes`, `on`,
 * `y`, `off`, `no`, `n` are booleans, `0777` octal — except that timestamps and `12:30` (sexagesimal)
 * stay strings, as go-yaml v2 leaves them when decoding into JSON. A key given twice keeps its last value
 * (go-yaml's non-strict decoding); duplicates are looked for apart, in one pass (duplicate-fields.ts), as
 * the yaml package's own check compares each key with every earlier one, which made a 20,000-key
 * ConfigMap take 11 s.
 */
const YAML_OPTIONS = {
  version: "1.1",
  uniqueKeys: false,
  maxAliasCount: 100,
  customTags: (tags: Tags) => tags.filter((t) => typeof t === "string" || (t.tag !== "tag:yaml.org,2002:timestamp" && !("format" in t && t.format === "TIME"))),
} as const;

/** Decodes JSON or YAML by content type; malformed input or absurd nesting is a 400, never a crash. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  return decodeBodyStrict(body, contentType, false).value;
}

/**
 * decodeBody, and with `duplicates` (fieldValidation Strict or Warn) the body's duplicate fields, which
 * the decoded value no longer shows (undefined: none, or not looked for).
 */
export function decodeBodyStrict(body: Buffer, contentType: string | undefined, duplicates: boolean): { value: unknown; strict?: StrictBody } {
  if ((contentType ?? "").startsWith("application/vnd.kubernetes.protobuf")) return { value: decodeKubernetesProtobuf(body) };
  const text = body.toString("utf8");
  if (text.trim() === "") throw badRequest("the body of the request was empty");
  const type = (contentType ?? "application/json").split(";")[0]!.trim();
  if (type !== "application/json" && !type.includes("yaml") && !type.endsWith("+json")) {
    throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  let value: unknown;
  let strict: StrictBody | undefined;
  try {
    if (type.includes("yaml")) {
      const lines = new LineCounter();
      const doc = parseDocument(text, { ...YAML_OPTIONS, lineCounter: lines });
      if (doc.errors.length > 0) throw doc.errors[0]!;
      value = doc.toJS(YAML_OPTIONS);
      if (duplicates) strict = yamlDuplicateKeys(doc, lines);
    } else {
      value = JSON.parse(text);
    }
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw badRequest(`the body of the request was in an unknown format or could not be decoded: ${why}`);
  }
  const keys = keysWithin(value, MAX_DEPTH);
  if (keys < 0) throw badRequest(`the object exceeds the maximum nesting depth of ${MAX_DEPTH}`);
  // JSON: a second scan only for a body whose text holds more keys than its value (a key was repeated).
  if (duplicates && !strict && countJsonKeys(text) !== keys) strict = jsonDuplicateFields(text);
  return { value, ...(strict && strict.findings.length > 0 ? { strict } : {}) };
}

/** The number of keys of a decoded value, its objects' at every depth; -1 when it nests `limit` deep or deeper. */
function keysWithin(value: unknown, limit: number): number {
  let keys = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= limit) return -1;
    if (Array.isArray(v)) {
      for (const x of v) if (typeof x === "object" && x !== null) stack.push([x, depth + 1]);
      continue;
    }
    for (const k in v) {
      keys++;
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === "object" && x !== null) stack.push([x, depth + 1]);
    }
  }
  return keys;
}
