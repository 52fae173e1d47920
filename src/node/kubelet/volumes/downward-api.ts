import type { DownwardAPIVolumeFile, Pod } from "kubernetes-types/core/v1.js";
import { Quantity } from "../../../api/quantity.js";
import type { FileProjection } from "./atomic-writer.js";

/** The node's allocatable, which stands in for a container limit the container doesn't set. */
export interface NodeAllocatable {
  cpu: string;
  memory: string;
  ephemeralStorage: string;
}

/** A downward-API item that can't be resolved; the volume's set-up fails with its message. */
export class DownwardApiError extends Error {}

/**
 * Go's %q (strconv.Quote): `"`, `\` and non-printable characters escaped (\n, \t…, \x7f, \u200b),
 * printable Unicode kept as is. Worked example: `a"b\nc` → `"a\"b\nc"`.
 */
export function goQuote(s: string): string {
  const named: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v", '"': '\\"', "\\": "\\\\" };
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (named[ch] !== undefined) out += named[ch];
    else if (ch === " " || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `"${out}"`;
}

/** Upstream's fieldpath.FormatMap: `key="value"` lines, keys sorted, values quoted as %q, no final newline. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {}).sort().map((k) => `${k}=${goQuote(m![k]!)}`).join("\n");
}

/** Upstream's ExtractFieldPathAsString for the fields a downwardAPI volume may name. */
export function fieldPathValue(pod: Pod, path: string): string {
  const meta = pod.metadata ?? {};
  const keyed = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (keyed) return (keyed[1] === "labels" ? meta.labels : meta.annotations)?.[keyed[2]!] ?? "";
  switch (path) {
    case "metadata.name": return meta.name ?? "";
    case "metadata.namespace": return meta.namespace ?? "";
    case "metadata.uid": return meta.uid ?? "";
    case "metadata.labels": return formatMap(meta.labels);
    case "metadata.annotations": return formatMap(meta.annotations);
    default: throw new DownwardApiError(`unsupported fieldPath: ${path}`);
  }
}

const RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

/**
 * Upstream's ExtractContainerResourceValue with MergeContainerResourceLimits: `limits.x`/`requests.x` of the
 * named container, a missing limit replaced by the node's allocatable, divided by the divisor (0 or unset:
 * 1) and rounded up — cpu in milli-units, memory and ephemeral-storage in whole units.
 *
 * Worked example: limits.cpu 1250m with divisor 1m → 1250; with divisor 1 → ceil(1250/1000) = 2;
 * requests.memory 32Mi with divisor 1Mi → 32.
 */
export function resourceValue(pod: Pod, ref: { containerName?: string; resource: string; divisor?: string | number }, node: NodeAllocatable): string {
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const container = all.find((c) => c.name === ref.containerName);
  if (!container) throw new DownwardApiError(`container ${ref.containerName ?? ""} not found`);
  const [kind, name = ""] = ref.resource.split(/\.(.*)/s) as [string, string?];
  if ((kind !== "limits" && kind !== "requests") || !RESOURCES.has(name)) throw new DownwardApiError(`unsupported container resource : ${ref.resource}`);
  const set = container.resources?.[kind]?.[name];
  const allocatable = name === "cpu" ? node.cpu : name === "memory" ? node.memory : node.ephemeralStorage;
  const value = Quantity.parse(String(set ?? (kind === "limits" ? allocatable : "0")));
  let divisor = Quantity.parse(String(ref.divisor ?? "0"));
  if (divisor.nanos === 0n) divisor = Quantity.parse("1");
  const [v, d] = name === "cpu" ? [value.milliValue(), divisor.milliValue()] : [value.value(), divisor.value()];
  return String(d === 0n ? 0n : ceilDiv(v, d));
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/**
 * Upstream's downwardapi.CollectData: one file per item, its mode the item's or the volume's default;
 * every item that can't be resolved is reported (upstream aggregates them), none written.
 */
export function downwardApiPayload(pod: Pod, items: DownwardAPIVolumeFile[], defaultMode: number, node: NodeAllocatable): Map<string, FileProjection> {
  const out = new Map<string, FileProjection>();
  const errors: string[] = [];
  for (const item of items) {
    try {
      const text = item.fieldRef
        ? fieldPathValue(pod, item.fieldRef.fieldPath)
        : item.resourceFieldRef
          ? resourceValue(pod, { ...item.resourceFieldRef, divisor: item.resourceFieldRef.divisor as string | number | undefined }, node)
          : "";
      out.set(item.path, { data: Buffer.from(text, "utf8"), mode: item.mode ?? defaultMode });
    } catch (err) {
      if (!(err instanceof DownwardApiError)) throw err;
      errors.push(err.message);
    }
  }
  if (errors.length) throw new DownwardApiError(aggregate(errors));
  return out;
}

/** utilerrors.NewAggregate's text: one error as is, several in brackets. */
export function aggregate(messages: string[]): string {
  return messages.length === 1 ? messages[0]! : `[${messages.join(", ")}]`;
}
