import type { LabelSelector } from "kubernetes-types/meta/v1.js";
import { badRequest } from "./errors.js";

/** One requirement of a label selector, as upstream's labels.Requirement. */
export type Operator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

/** A parsed label selector: all requirements must hold. The empty selector matches everything. */
export class Selector {
  constructor(readonly requirements: readonly Requirement[]) {}

  static everything(): Selector {
    return new Selector([]);
  }

  /** A Service's or ReplicationController's selector: every key equals its value. */
  static fromMap(labels: Readonly<Record<string, string>>): Selector {
    return new Selector(Object.keys(labels).sort().map((key) => ({ key, operator: "=", values: [labels[key]!] })));
  }

  isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Readonly<Record<string, string>> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => matchesRequirement(r, l));
  }

  toString(): string {
    return this.requirements.map(formatRequirement).join(",");
  }
}

function matchesRequirement(r: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case "=":
    case "in":
      return has && r.values.includes(value!);
    case "!=":
    case "notin":
      return !has || !r.values.includes(value!);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      if (!Number.isInteger(n)) return false;
      return r.operator === "gt" ? n > bound : n < bound;
    }
  }
}

function formatRequirement(r: Requirement): string {
  switch (r.operator) {
    case "exists":
      return r.key;
    case "!":
      return `!${r.key}`;
    case "in":
    case "notin":
      return `${r.key} ${r.operator} (${[...r.values].sort().join(",")})`;
    case "gt":
      return `${r.key}>${r.values[0]}`;
    case "lt":
      return `${r.key}<${r.values[0]}`;
    default:
      return `${r.key}${r.operator}${r.values[0]}`;
  }
}

/**
 * Parses the string syntax kubectl sends in `labelSelector`: `a=b,c!=d,e in (x,y),f notin (z),g,!h`,
 * also `a==b`, `a>1`, `a<2`. Throws a 400 StatusError on bad syntax.
 */
export function parseSelector(text: string): Selector {
  const requirements: Requirement[] = [];
  let i = 0;
  const s = text;
  const fail = (why: string): never => {
    throw badRequest(`unable to parse requirement: ${why}`);
  };
  const skipSpace = () => {
    while (i < s.length && s[i] === " ") i++;
  };
  const readToken = (): string => {
    skipSpace();
    const start = i;
    while (i < s.length && !" ,()=!<>".includes(s[i]!)) i++;
    return s.slice(start, i);
  };
  while (true) {
    skipSpace();
    if (i >= s.length) break;
    let negated = false;
    if (s[i] === "!") {
      negated = true;
      i++;
    }
    const key = readToken();
    if (!key) fail(`found '${s[i] ?? "EOF"}', expected: identifier`);
    skipSpace();
    if (negated) {
      requirements.push({ key, operator: "!", values: [] });
    } else if (i >= s.length || s[i] === ",") {
      requirements.push({ key, operator: "exists", values: [] });
    } else if (s.startsWith("==", i) || s.startsWith("!=", i) || s[i] === "=" || s[i] === ">" || s[i] === "<") {
      let op: Operator;
      if (s.startsWith("==", i)) { op = "="; i += 2; }
      else if (s.startsWith("!=", i)) { op = "!="; i += 2; }
      else if (s[i] === "=") { op = "="; i += 1; }
      else if (s[i] === ">") { op = "gt"; i += 1; }
      else { op = "lt"; i += 1; }
      const value = readToken();
      if ((op === "gt" || op === "lt") && !/^-?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
      requirements.push({ key, operator: op, values: [value] });
    } else {
      const word = readToken();
      if (word !== "in" && word !== "notin") fail(`found '${word}', expected: in, notin, =, ==, !=, gt, lt`);
      skipSpace();
      if (s[i] !== "(") fail(`found '${s[i] ?? "EOF"}', expected: '('`);
      i++;
      const values: string[] = [];
      while (true) {
        const v = readToken();
        values.push(v);
        skipSpace();
        if (s[i] === ",") { i++; continue; }
        if (s[i] === ")") { i++; break; }
        fail(`found '${s[i] ?? "EOF"}', expected: ',', ')'`);
      }
      requirements.push({ key, operator: word as Operator, values: values.filter((v) => v !== "" || values.length === 1) });
    }
    skipSpace();
    if (i < s.length) {
      if (s[i] !== ",") fail(`found '${s[i]}', expected: ','`);
      i++;
    }
  }
  return new Selector(requirements);
}

/**
 * Converts a metav1.LabelSelector (matchLabels + matchExpressions) into a Selector. A missing selector
 * matches nothing, an empty one everything, as upstream's LabelSelectorAsSelector.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector | undefined {
  if (!ls) return undefined;
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) requirements.push({ key, operator: "=", values: [value] });
  for (const e of ls.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case "In": requirements.push({ key: e.key, operator: "in", values }); break;
      case "NotIn": requirements.push({ key: e.key, operator: "notin", values }); break;
      case "Exists": requirements.push({ key: e.key, operator: "exists", values: [] }); break;
      case "DoesNotExist": requirements.push({ key: e.key, operator: "!", values: [] }); break;
      default: throw badRequest(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return new Selector(requirements);
}

/** The selector printed the way kubectl describe shows it: `app=myapp,release=canary`. */
export function formatLabelSelector(ls: LabelSelector | undefined): string {
  if (!ls) return "<none>";
  const s = selectorFromLabelSelector(ls)!.toString();
  return s === "" ? "<none>" : s;
}
