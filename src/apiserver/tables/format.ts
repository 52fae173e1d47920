import type { Column, TableContext } from "../resource.js";

/** Upstream's duration.HumanDuration, which every AGE column uses. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const years = Math.floor(hours / 24 / 365);
  const days = Math.floor(hours / 24) % 365;
  if (hours < 24 * 365 * 8) return days === 0 ? `${years}y` : `${years}y${days}d`;
  return `${years}y`;
}

export function age(timestamp: string | undefined, ctx: TableContext): string {
  if (!timestamp) return "<unknown>";
  return humanDuration(ctx.now - Date.parse(timestamp));
}

export const none = (s: string | undefined | null): string => (s ? s : "<none>");

export const nameColumn: Column = { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace." };
export const ageColumn: Column = { name: "Age", type: "string", description: "CreationTimestamp is a timestamp representing the server time when this object was created." };
export const col = (name: string, type: Column["type"] = "string", priority = 0, description = ""): Column => ({ name, type, priority, description });

type Json = Record<string, unknown>;
export const obj = (v: unknown): Json => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {});
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
export const num = (v: unknown): number => (typeof v === "number" ? v : 0);

/** The CONTAINERS and IMAGES wide columns of the pod controllers. */
export function containersAndImages(template: unknown): [string, string] {
  const containers = arr(obj(obj(template).spec).containers);
  return [containers.map((c) => String(c.name)).join(","), containers.map((c) => String(c.image)).join(",")];
}
