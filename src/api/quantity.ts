import { badRequest } from "./errors.js";

/**
 * A resource quantity (`100m`, `1Gi`, `1.5`, `2e3`) held exactly as an integer count of nano-units, so
 * comparisons and sums never round. Upstream's resource.Quantity semantics, without its canonical forms.
 */
export class Quantity {
  private constructor(readonly nanos: bigint) {}

  static parse(text: string | number): Quantity {
    const s = String(text).trim();
    const m = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/.exec(s);
    if (!m) throw badRequest(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    const [, sign, number, suffix, exponent] = m;
    const [whole, frac = ""] = number!.split(".");
    // value = digits * 10^(scale) * binary multiplier, counted in nano-units (10^-9).
    let digits = BigInt((whole || "0") + frac);
    let scale = 9 - frac.length;
    let multiplier = 1n;
    if (exponent !== undefined) scale += Number(exponent);
    else if (suffix) {
      const decimal: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
      const binary: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
      if (suffix in decimal) scale += decimal[suffix]!;
      else multiplier = binary[suffix]!;
    }
    digits *= multiplier;
    const nanos = scale >= 0 ? digits * 10n ** BigInt(scale) : ceilDiv(digits, 10n ** BigInt(-scale));
    return new Quantity(sign === "-" ? -nanos : nanos);
  }

  static fromNanos(nanos: bigint): Quantity {
    return new Quantity(nanos);
  }

  static zero(): Quantity {
    return new Quantity(0n);
  }

  add(other: Quantity): Quantity {
    return new Quantity(this.nanos + other.nanos);
  }

  sub(other: Quantity): Quantity {
    return new Quantity(this.nanos - other.nanos);
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos < other.nanos ? -1 : this.nanos > other.nanos ? 1 : 0;
  }

  /** Whole milli-units, rounded up (as MilliValue). */
  milliValue(): bigint {
    return ceilDiv(this.nanos, 1_000_000n);
  }

  /** Whole units, rounded up (as Value). */
  value(): bigint {
    return ceilDiv(this.nanos, 1_000_000_000n);
  }
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}
