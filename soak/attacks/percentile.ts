/**
 * Percentiles of a plain list of samples, for figures with few samples (the legit joins).
 *
 * @module
 */

/** The `fraction` percentile (nearest rank) of `samples`, or null when there are none. */
export function percentile(samples: readonly number[], fraction: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}
