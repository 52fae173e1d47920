import type { IncomingMessage } from "node:http";
import { parse as parseYaml, type Tags } from "yaml";
import { badRequest, StatusError } from "../../api/errors.js";
import { decodeKubernetesProtobuf } from "../../api/protobuf/decode.js";

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
 * (go-yaml's non-strict decoding) — and is not looked for: the yaml package's duplicate check compares
 * each key with every earlier one, which made a 20,000-key ConfigMap take 11 s.
 */
const YAML_OPTIONS = {
  version: "1.1",
  uniqueKeys: false,
  maxAliasCount: 100,
  customTags: (tags: Tags) => tags.filter((t) => typeof t === "string" || (t.tag !== "tag:yaml.org,2002:timestamp" && !("format" in t && t.format === "TIME"))),
} as const;

/** Decodes JSON or YAML by content type; malformed input or absurd nesting is a 400, never a crash. */
export function decodeBody(body: Buffer, contentType: string | undefined): unknown {
  if ((contentType ?? "").startsWith("application/vnd.kubernetes.protobuf")) return decodeKubernetesProtobuf(body);
  const text = body.toString("utf8");
  if (text.trim() === "") throw badRequest("the body of the request was empty");
  const type = (contentType ?? "application/json").split(";")[0]!.trim();
  if (type !== "application/json" && !type.includes("yaml") && !type.endsWith("+json")) {
    throw new StatusError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`);
  }
  let value: unknown;
  try {
    value = type.includes("yaml") ? parseYaml(text, YAML_OPTIONS) : JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw badRequest(`the body of the request was in an unknown format or could not be decoded: ${why}`);
  }
  if (depthExceeds(value, MAX_DEPTH)) throw badRequest(`the object exceeds the maximum nesting depth of ${MAX_DEPTH}`);
  return value;
}

function depthExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
