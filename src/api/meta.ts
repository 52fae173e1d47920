import { randomInt, randomUUID } from "node:crypto";
import type { ObjectMeta } from "./types.js";

/** Kubernetes' alphabet for random name suffixes: no vowels, no look-alikes (k8s.io/apimachinery/pkg/util/rand). */
const ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const MAX_GENERATED_BASE = 63 - 5;

export function randomSuffix(length = 5): string {
  let out = "";
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** `generateName` + 5 random characters, the base cut so the name stays within 63 characters. */
export function generatedName(base: string): string {
  return base.slice(0, MAX_GENERATED_BASE) + randomSuffix();
}

export function newUid(): string {
  return randomUUID();
}

let lastSecond = NaN;
let lastFormatted = "";

/** RFC 3339 with second precision, as metav1.Time serialises. Busy servers stamp many objects a second: the last one is kept. */
export function formatTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastFormatted = new Date(second * 1000).toISOString().replace(".000Z", "Z");
    lastSecond = second;
  }
  return lastFormatted;
}

/** RFC 3339 with microseconds, as metav1.MicroTime serialises (events, leases). */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export function metaKey(meta: Pick<ObjectMeta, "namespace" | "name">): string {
  return meta.namespace ? `${meta.namespace}/${meta.name}` : String(meta.name);
}
