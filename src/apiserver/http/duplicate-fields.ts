import { type Document, type LineCounter, isScalar, visit } from "yaml";

/**
 * Duplicate fields in a request body, as upstream's strict decoders report them (fieldValidation Strict
 * or Warn): sigs.k8s.io/json's `duplicate field "spec.replicas"` for JSON, and for YAML go-yaml's
 * `yaml: unmarshal errors:\n  line 9: key "replicas" already set in map` (sigs.k8s.io/yaml's
 * YAMLToJSONStrict), which upstream lists before the JSON decoder's errors.
 *
 * JSON.parse keeps the last of two equal keys without a word, so a body is scanned again only when its
 * text has more keys than the parsed value (`countJsonKeys` against body.ts's count): bodies without
 * duplicates — all but a few — cost one pass over their characters.
 */

/** One strict-decoding error of the body, at its offset in the text (for document order; -1: before all). */
export interface BodyFinding {
  message: string;
  at: number;
}

/** What the decoder found in a body, and where each field path first appears (to place unknown fields among them). */
export interface StrictBody {
  findings: BodyFinding[];
  offsetOf(path: string): number | undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

/** The number of keys in a JSON text: its colons outside strings (the grammar has no other). */
export function countJsonKeys(text: string): number {
  let keys = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: to the next quote that an even number of backslashes precedes (none, mostly).
      let q = i;
      for (;;) {
        q = text.indexOf('"', q + 1);
        if (q < 0) return keys;
        let b = q - 1;
        while (text.charCodeAt(b) === BACKSLASH) b--;
        if ((q - 1 - b) % 2 === 0) break;
      }
      i = q;
    } else if (c === COLON) keys++;
  }
  return keys;
}

/**
 * Every duplicate field of a JSON text that JSON.parse accepted, with its path as upstream writes it
 * (`spec.template.spec.containers[0].name`), at the offset of the repeated key.
 */
export function jsonDuplicateFields(text: string): StrictBody {
  const findings: BodyFinding[] = [];
  const offsets = new Map<string, number>();
  let i = 0;
  const skipSpace = () => {
    for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d; c = text.charCodeAt(++i));
  };
  const readString = (): string => {
    const start = i;
    for (i++; text.charCodeAt(i) !== QUOTE; i++) if (text.charCodeAt(i) === BACKSLASH) i++;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // Depth is bounded: decodeBody refuses bodies nested deeper than 100 before anything scans them.
  const readValue = (path: string): void => {
    skipSpace();
    const c = text.charCodeAt(i);
    if (c === 0x7b) {
      i++;
      const seen = new Set<string>();
      for (;;) {
        skipSpace();
        if (text.charCodeAt(i) === 0x7d) break;
        const at = i;
        const key = readString();
        const field = path ? `${path}.${key}` : key;
        if (seen.has(key)) findings.push({ message: `duplicate field "${field}"`, at });
        else {
          seen.add(key);
          if (!offsets.has(field)) offsets.set(field, at);
        }
        skipSpace();
        i++; // the colon
        readValue(field);
        skipSpace();
        if (text.charCodeAt(i) === 0x2c) i++;
      }
      i++;
    } else if (c === 0x5b) {
      i++;
      for (let n = 0; ; n++) {
        skipSpace();
        if (text.charCodeAt(i) === 0x5d) break;
        readValue(`${path}[${n}]`);
        skipSpace();
        if (text.charCodeAt(i) === 0x2c) i++;
      }
      i++;
    } else if (c === QUOTE) {
      readString();
    } else {
      // A number, true, false or null.
      for (let d = text.charCodeAt(i); i < text.length && d !== 0x2c && d !== 0x7d && d !== 0x5d && d > 0x20; d = text.charCodeAt(++i));
    }
  };
  readValue("");
  return { findings, offsetOf: (path) => offsets.get(path) };
}

/** The keys a YAML document repeats within one mapping, as go-yaml's strict decoding reports them (one finding for all). */
export function yamlDuplicateKeys(doc: Document, lines: LineCounter): StrictBody {
  const repeated: string[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (!seen.has(key)) {
          seen.add(key);
          continue;
        }
        const at = isScalar(pair.key) && pair.key.range ? lines.linePos(pair.key.range[0]).line : 0;
        repeated.push(`  line ${at}: key ${typeof key === "string" ? JSON.stringify(key) : String(key)} already set in map`);
      }
    },
  });
  const findings = repeated.length ? [{ message: `yaml: unmarshal errors:\n${repeated.join("\n")}`, at: -1 }] : [];
  return { findings, offsetOf: () => undefined };
}
