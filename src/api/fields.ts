import { badRequest } from "./errors.js";

/** A field selector requirement: `field=value`, `field==value` or `field!=value`. */
export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

export function parseFieldSelector(text: string): FieldRequirement[] {
  if (text.trim() === "") return [];
  return splitUnescaped(text, ",").map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    return { field: m[1]!.trim(), operator: m[2] === "!=" ? "!=" : "=", value: unescape(m[3]!.trim()) };
  });
}

function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && i + 1 < text.length) {
      current += text[i]! + text[i + 1]!;
      i++;
    } else if (text[i] === sep) {
      parts.push(current);
      current = "";
    } else current += text[i];
  }
  parts.push(current);
  return parts;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, "$1");
}

/** Reads a dotted field path (`status.phase`, `involvedObject.name`) from an object, as a string. */
export function fieldValue(obj: unknown, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (typeof cur !== "object" || cur === null) return "";
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return "";
  return String(cur);
}

export function matchesFields(obj: unknown, requirements: readonly FieldRequirement[]): boolean {
  return requirements.every((r) => (fieldValue(obj, r.field) === r.value) === (r.operator === "="));
}
