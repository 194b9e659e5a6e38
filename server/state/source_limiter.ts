/**
 * A rate limit per source: a token bucket per source key (`sourceKey`: an IPv4 address or an
 * IPv6 /64), forgotten once it has refilled, so the table only holds sources active lately. The
 * state keeps two: TCRP requests (`--join-rate`) and chat from all of a source's members
 * together (`--ip-flood-rate`).
 *
 * @module
 */

import { TokenBucket } from "./token_bucket.ts";

/** Token buckets by source key; a rate of 0 turns the limit off. */
export class SourceLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, TokenBucket>();

  /** Allows `rate` events per second per source, in bursts of up to `burst` (one second's worth by default). */
  constructor(rate: number, burst: number = rate) {
    this.#rate = rate;
    this.#burst = burst;
  }

  /** False when `source` (a key from `sourceKey`) is over the limit. */
  allow(source: string, now: number): boolean {
    if (this.#rate <= 0) return true;
    let bucket = this.#buckets.get(source);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#rate, this.#burst, now);
      this.#buckets.set(source, bucket);
    }
    return bucket.take(now);
  }

  /** Forgets the buckets that are full again: a fresh one would behave the same. */
  sweep(now: number): void {
    for (const [source, bucket] of this.#buckets) {
      if (bucket.isFull(now)) this.#buckets.delete(source);
    }
  }

  /** Sources currently tracked. */
  get size(): number {
    return this.#buckets.size;
  }
}
