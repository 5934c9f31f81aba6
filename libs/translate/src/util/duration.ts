import { ConfigError } from './config-error.ts';

// Istio durations ("2s", "0.5s", "1m30s", "100ms") → proto3 JSON Duration strings ("2s", "0.500s", "90s").

const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };

/** Parses a Go-style duration to seconds; throws on malformed input (validation should have caught it). */
export function durationSeconds(d: string): number {
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(d); m; m = re.exec(d)) {
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1);
    consumed = re.lastIndex;
  }
  if (consumed !== d.length || d.length === 0) throw new ConfigError(`invalid duration "${d}"`);
  return total;
}

/** Formats seconds as a proto3 JSON Duration: integer seconds, or 3/6/9 fractional digits. */
export function formatDuration(seconds: number): string {
  const nanos = Math.round(seconds * 1e9);
  const whole = Math.trunc(nanos / 1e9);
  const frac = nanos - whole * 1e9;
  if (frac === 0) return `${whole}s`;
  let digits = String(frac).padStart(9, '0');
  if (digits.endsWith('000000')) digits = digits.slice(0, 3);
  else if (digits.endsWith('000')) digits = digits.slice(0, 6);
  return `${whole}.${digits}s`;
}

/** A mesh-level duration, falling back to `fallback` when the value is malformed. */
export function durationOr(d: string, fallback: string): string {
  try {
    return toDuration(d);
  } catch {
    return fallback;
  }
}

/** Istio duration string → proto3 JSON Duration. */
export function toDuration(d: string): string {
  return formatDuration(durationSeconds(d));
}
