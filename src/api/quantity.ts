import { badRequest } from "./errors.js";

/** How a quantity was written, which decides how it is written back (upstream's resource.Format). */
export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const DECIMAL_SUFFIXES: Record<number, string> = { [-9]: "n", [-6]: "u", [-3]: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E" };
const BINARY_SUFFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/**
 * A resource quantity (`100m`, `1Gi`, `1.5`, `2e3`) held exactly as an integer count of nano-units, so
 * comparisons and sums never round (precision below a nano-unit rounds up, as upstream's ParseQuantity).
 */
export class Quantity {
  private constructor(readonly nanos: bigint, readonly format: QuantityFormat = "DecimalSI") {}

  static parse(text: string | number): Quantity {
    const s = String(text).trim();
    const m = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/.exec(s);
    if (!m) throw badRequest(QUANTITY_FORMAT_ERROR);
    const [, sign, number, suffix, exponent] = m;
    const [whole, frac = ""] = number!.split(".");
    // value = digits * 10^(scale) * binary multiplier, counted in nano-units (10^-9).
    let digits = BigInt((whole || "0") + frac);
    let scale = 9 - frac.length;
    let multiplier = 1n;
    let format: QuantityFormat = "DecimalSI";
    if (exponent !== undefined) {
      // An absurd exponent would size a BigInt: upstream's int64/inf.Dec bounds are far inside ±1000.
      if (Math.abs(Number(exponent)) > 1000) throw badRequest(QUANTITY_FORMAT_ERROR);
      scale += Number(exponent);
      format = "DecimalExponent";
    } else if (suffix) {
      const decimal: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
      const binary: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
      if (suffix in decimal) scale += decimal[suffix]!;
      else {
        multiplier = binary[suffix]!;
        format = "BinarySI";
      }
    }
    digits *= multiplier;
    const nanos = scale >= 0 ? digits * 10n ** BigInt(scale) : ceilDiv(digits, 10n ** BigInt(-scale));
    return new Quantity(sign === "-" ? -nanos : nanos, format);
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

  /**
   * The canonical text upstream writes back (Quantity.String): an integer mantissa in the format the
   * quantity was written in — `1000m` → `1`, `0.5` → `500m`, `1024Mi` → `1Gi`, `1e3` stays `1e3` — with a
   * binary quantity below 1024 or with a fraction written as a decimal one (`.001Ki` → `1024m`).
   */
  toString(): string {
    if (this.nanos === 0n) return "0";
    const sign = this.nanos < 0n ? "-" : "";
    const abs = this.nanos < 0n ? -this.nanos : this.nanos;
    const NANO = 1_000_000_000n;
    if (this.format === "BinarySI" && abs >= 1024n * NANO && abs % NANO === 0n) {
      let mantissa = abs / NANO;
      let power = 0;
      while (power < BINARY_SUFFIXES.length - 1 && mantissa % 1024n === 0n) {
        mantissa /= 1024n;
        power++;
      }
      return `${sign}${mantissa}${BINARY_SUFFIXES[power]}`;
    }
    // The largest exponent, a multiple of 3, that leaves an integer mantissa (1500m: 1500e-3; 2000: 2e3).
    let mantissa = abs;
    let exponent = -9;
    const maxExponent = this.format === "DecimalExponent" ? Infinity : 18;
    while (exponent < maxExponent && mantissa % 1000n === 0n) {
      mantissa /= 1000n;
      exponent += 3;
    }
    if (this.format === "DecimalExponent") return `${sign}${mantissa}${exponent === 0 ? "" : `e${exponent}`}`;
    return `${sign}${mantissa}${DECIMAL_SUFFIXES[exponent]}`;
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
