/**
 * A fixed-bucket latency histogram: every delivery is recorded (no sampling) in constant time
 * and memory, and histograms from several workers add up.
 *
 * @module
 */

/** Width of the fine buckets, in µs: 10 µs resolution up to {@link FINE_LIMIT_US}. */
const FINE_BUCKET_US = 10;
/** Latencies up to 100 ms get fine buckets. */
const FINE_LIMIT_US = 100_000;
/** Width of the coarse buckets beyond that: 1 ms, up to {@link COARSE_LIMIT_US}. */
const COARSE_BUCKET_US = 1_000;
/** Latencies past 10 s share the last bucket (the exact maximum is kept apart). */
const COARSE_LIMIT_US = 10_000_000;
const FINE_BUCKETS = FINE_LIMIT_US / FINE_BUCKET_US;
const COARSE_BUCKETS = (COARSE_LIMIT_US - FINE_LIMIT_US) / COARSE_BUCKET_US;
/** Number of buckets, the overflow bucket included. */
export const BUCKET_COUNT = FINE_BUCKETS + COARSE_BUCKETS + 1;
const US_PER_MS = 1000;

/** Percentiles of a histogram, in milliseconds. */
export interface LatencySummary {
  /** Median. */
  p50: number;
  /** 99th percentile. */
  p99: number;
  /** Largest recorded latency (exact). */
  max: number;
}

/** Counts latencies in buckets; {@link counts} and {@link maxMicros} can travel between workers. */
export class LatencyHistogram {
  /** Deliveries per bucket. */
  readonly counts: Uint32Array;
  /** The largest latency recorded, µs. */
  maxMicros = 0;

  /** An empty histogram, or one over existing counts (e.g. received from a worker). */
  constructor(counts: Uint32Array = new Uint32Array(BUCKET_COUNT), maxMicros = 0) {
    if (counts.length !== BUCKET_COUNT) {
      throw new RangeError(`Histogram needs ${BUCKET_COUNT} buckets, got ${counts.length}`);
    }
    this.counts = counts;
    this.maxMicros = maxMicros;
  }

  /** Records one latency; a negative one (clock skew between threads) counts as 0. */
  record(micros: number): void {
    const value = micros > 0 ? micros : 0;
    if (value > this.maxMicros) this.maxMicros = value;
    this.counts[bucketOf(value)]++;
  }

  /** Adds another histogram's counts to this one. */
  add(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKET_COUNT; i++) this.counts[i] += other.counts[i];
    if (other.maxMicros > this.maxMicros) this.maxMicros = other.maxMicros;
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.counts.fill(0);
    this.maxMicros = 0;
  }

  /** p50, p99 and max in ms (each percentile is its bucket's upper bound), or null if empty. */
  summary(): LatencySummary | null {
    let total = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) total += this.counts[i];
    if (total === 0) return null;
    const max = this.maxMicros / US_PER_MS;
    return {
      p50: Math.min(this.#percentile(total, 0.5), max),
      p99: Math.min(this.#percentile(total, 0.99), max),
      max,
    };
  }

  #percentile(total: number, fraction: number): number {
    const rank = Math.ceil(total * fraction);
    let seen = 0;
    for (let i = 0; i < BUCKET_COUNT; i++) {
      seen += this.counts[i];
      if (seen >= rank) return bucketUpperMicros(i) / US_PER_MS;
    }
    return this.maxMicros / US_PER_MS;
  }
}

function bucketOf(micros: number): number {
  if (micros < FINE_LIMIT_US) return Math.floor(micros / FINE_BUCKET_US);
  if (micros < COARSE_LIMIT_US) {
    return FINE_BUCKETS + Math.floor((micros - FINE_LIMIT_US) / COARSE_BUCKET_US);
  }
  return BUCKET_COUNT - 1;
}

function bucketUpperMicros(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 1) * FINE_BUCKET_US;
  if (bucket < BUCKET_COUNT - 1) {
    return FINE_LIMIT_US + (bucket - FINE_BUCKETS + 1) * COARSE_BUCKET_US;
  }
  return Number.POSITIVE_INFINITY;
}
