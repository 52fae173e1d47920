/** One measured figure of the report: the median of its runs, what it is held against, and whether it met its goal. */
export interface Figure {
  name: string;
  /** The median of `runs` (or the single measurement). */
  value: number;
  unit: string;
  /** The goal as written in the issue, or "(reported)" / "(ceiling)" for context figures. */
  goal: string;
  met: boolean;
  /** Every run's value, when there were several: the report shows their min and max. */
  runs?: number[];
  /** The ceiling or peer measured in the same run; the report prints value ÷ its value. */
  against?: { name: string; value: number; unit: string };
  detail?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1] ?? NaN;
}

/**
 * A figure from several runs: `value` is their median, `met` the goal applied to it.
 * `goal` is the wording; `meets` decides it.
 */
export function fromRuns(name: string, runs: number[], unit: string, goal: string, meets: (v: number) => boolean, extra: Pick<Figure, "against" | "detail"> = {}): Figure {
  const value = median(runs);
  return { name, value, unit, goal, met: meets(value), runs, ...extra };
}

/** A context figure with no goal of its own. */
export function reported(name: string, runs: number[], unit: string, extra: Pick<Figure, "against" | "detail"> = {}): Figure {
  return fromRuns(name, runs, unit, "(reported)", () => true, extra);
}

/** `n` rounds of `run`, one after the other; their results in order. */
export async function rounds<T>(n: number, run: (round: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(await run(i));
  return out;
}

export const MiB = 2 ** 20;
