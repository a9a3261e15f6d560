/** Median, extremes and the values themselves of one figure over a scenario's runs. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, values };
}

/** The value below which a share `p` (0–1) of the samples lie (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

/** `value` scaled to 10,000 records. */
export function per10k(value: number, records: number): number {
  return (value * 10_000) / records;
}

/**
 * `count` pauses evenly spread over `spanMs` (the middle of each of `count` equal slices), in random order. Writes
 * made after them fall at every point of a poll cycle in equal measure, so a median over a few of them does not
 * depend on where in the cycle a run happened to write (with purely random pauses the median of 15 moved by
 * ±150 ms between runs at a 1 s interval).
 */
export function evenlySpreadPauses(count: number, spanMs: number): number[] {
  const pauses = Array.from({ length: count }, (_, slice) => ((slice + 0.5) * spanMs) / count);
  for (let i = pauses.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [pauses[i], pauses[j]] = [pauses[j]!, pauses[i]!];
  }
  return pauses;
}
