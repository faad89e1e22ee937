// Exact statistics of doubles with BigInt rationals: the yardstick the engine's floating-point aggregates are held to.

/** A rational p / q with q > 0. */
export interface Rational {
  readonly p: bigint;
  readonly q: bigint;
}

/** A finite double as mantissa · 2^exponent, exactly. */
function decompose(x: number): { mantissa: bigint; exponent: number } {
  if (!Number.isFinite(x)) throw new Error(`not finite: ${x}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const isNegative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  return { mantissa: isNegative ? -mantissa : mantissa, exponent };
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Multiplies by 2^k in steps, so no intermediate power of two overflows. */
function scaleByPowerOfTwo(x: number, k: number): number {
  let out = x;
  let rest = k;
  while (rest > 500) { out *= 2 ** 500; rest -= 500; }
  while (rest < -500) { out *= 2 ** -500; rest += 500; }
  return out * 2 ** rest;
}

/** The double nearest to p / q (correctly rounded for results in the normal range). */
export function toDouble(r: Rational): number {
  if (r.p === 0n) return 0;
  const isNegative = r.p < 0n;
  const p = isNegative ? -r.p : r.p;
  const q = r.q;
  // Scale so the integer quotient has about 80 bits; a sticky low bit keeps Number() rounding right.
  const k = 80 - (bitLength(p) - bitLength(q));
  const numerator = k >= 0 ? p << BigInt(k) : p;
  const denominator = k >= 0 ? q : q << BigInt(-k);
  let m = numerator / denominator;
  if (numerator % denominator !== 0n) m |= 1n;
  const value = scaleByPowerOfTwo(Number(m), -k);
  return isNegative ? -value : value;
}

/** Exact sum, sum of squares and count of a list of finite doubles, as integers scaled by 2^exponent. */
export interface ExactSums {
  readonly n: number;
  /** Σx = s1 · 2^exponent. */
  readonly s1: bigint;
  /** Σx² = s2 · 2^(2·exponent). */
  readonly s2: bigint;
  readonly exponent: number;
}

export function exactSums(values: readonly number[]): ExactSums {
  const parts = values.map(decompose);
  const exponent = parts.reduce((e, part) => Math.min(e, part.exponent), 0);
  let s1 = 0n;
  let s2 = 0n;
  for (const { mantissa, exponent: e } of parts) {
    const scaled = mantissa << BigInt(e - exponent);
    s1 += scaled;
    s2 += scaled * scaled;
  }
  return { n: values.length, s1, s2, exponent };
}

/** m · 2^e as a rational. */
function scaled(m: bigint, e: number): Rational {
  return e >= 0 ? { p: m << BigInt(e), q: 1n } : { p: m, q: 1n << BigInt(-e) };
}

export function exactSum(values: readonly number[]): number {
  const s = exactSums(values);
  return toDouble(scaled(s.s1, s.exponent));
}

export function exactMean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = exactSums(values);
  const sum = scaled(s.s1, s.exponent);
  return toDouble({ p: sum.p, q: sum.q * BigInt(s.n) });
}

/** Sample variance (n − 1): (n·Σx² − (Σx)²) / (n·(n − 1)), exactly, then rounded once. */
export function exactVariance(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const s = exactSums(values);
  const n = BigInt(s.n);
  const top = scaled(n * s.s2 - s.s1 * s.s1, 2 * s.exponent);
  return toDouble({ p: top.p, q: top.q * n * (n - 1n) });
}

export function exactStdev(values: readonly number[]): number | null {
  const v = exactVariance(values);
  return v === null ? null : Math.sqrt(v);
}
