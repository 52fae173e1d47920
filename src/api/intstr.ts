/** An IntOrString value such as maxSurge: a count, or a percentage of a total. */
export type IntOrString = number | string;

/**
 * Resolves `value` against `total`: `25%` of 10 is 2.5, rounded up or down as the caller says (maxSurge
 * rounds up, maxUnavailable down). Returns undefined when the string isn't a percentage.
 */
export function scaledValue(value: IntOrString | undefined, total: number, roundUp: boolean): number | undefined {
  if (value === undefined) return 0;
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return undefined;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
