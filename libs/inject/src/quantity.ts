// Kubernetes resource.Quantity canonical form ("2000m" → "2", "1024Mi" → "1Gi"), as Go prints typed resources.

const binary: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimal: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const decimalSuffix: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };

/** True when `s` parses as a Kubernetes quantity. */
export function isQuantity(s: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?$/.test(s);
}

/** Returns the canonical text of a quantity, or the input unchanged when it does not parse. */
export function canonicalQuantity(input: string | number): string {
  const s = String(input).trim();
  const m = /^([+-]?)(\d*)\.?(\d*)(.*)$/.exec(s);
  if (!m || !isQuantity(s)) return String(input);
  const sign = m[1] === '-' ? -1n : 1n;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  const suffix = m[4] ?? '';
  // value = digits * 10^exp10 * 2^exp2, digits an integer
  let digits = BigInt((intPart + frac) || '0') * sign;
  let exp10 = -frac.length;
  let exp2 = 0;
  let isBinary = false;
  if (suffix in binary) {
    exp2 = binary[suffix] as number;
    isBinary = true;
  } else if (/^[eE]/.test(suffix)) {
    exp10 += Number(suffix.slice(1));
  } else {
    exp10 += decimal[suffix] ?? 0;
  }
  if (isBinary) {
    // Convert to an exact decimal representation with 2^exp2 folded in.
    digits = digits * 2n ** BigInt(exp2);
    exp2 = 0;
    const whole = exp10 >= 0 ? digits * 10n ** BigInt(exp10) : null;
    const exact = exp10 >= 0 || digits % 10n ** BigInt(-exp10) === 0n;
    const value = whole ?? (exact ? digits / 10n ** BigInt(-exp10) : null);
    if (value !== null && (value >= 1024n || value <= -1024n)) return formatBinary(value);
  }
  return formatDecimal(digits, exp10);
}

function formatBinary(value: bigint): string {
  let v = value;
  let shift = 0;
  while (shift < 60 && v !== 0n && v % 1024n === 0n) {
    v /= 1024n;
    shift += 10;
  }
  const suffix = Object.keys(binary).find((k) => binary[k] === shift) ?? '';
  return `${v}${suffix}`;
}

function formatDecimal(digitsIn: bigint, expIn: number): string {
  let digits = digitsIn;
  let exp = expIn;
  if (digits === 0n) return '0';
  // Quantities keep nano precision at most; round up beyond it as Kubernetes does.
  if (exp < -9) {
    const div = 10n ** BigInt(-9 - exp);
    const q = digits / div;
    digits = digits % div === 0n ? q : q + (digits > 0n ? 1n : -1n);
    exp = -9;
  }
  while (digits % 10n === 0n) {
    digits /= 10n;
    exp += 1;
  }
  // Pick the largest exponent multiple of 3 not above `exp`.
  let e3 = Math.floor(exp / 3) * 3;
  if (e3 > 18) e3 = 18;
  digits = digits * 10n ** BigInt(exp - e3);
  return `${digits}${decimalSuffix[e3] ?? `e${e3}`}`;
}
