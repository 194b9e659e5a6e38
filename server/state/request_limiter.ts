/**
 * The per-IP limit on TCRP requests (`--join-rate`): a token bucket per address, forgotten once
 * it has refilled.
 *
 * @module
 */

import { TokenBucket } from "./token_bucket.ts";

/** Token buckets by IP address; a rate of 0 turns the limit off. */
export class RequestLimiter {
  readonly #rate: number;
  readonly #buckets = new Map<string, TokenBucket>();

  /** Allows `rate` requests per second per IP, in bursts of up to one second's worth. */
  constructor(rate: number) {
    this.#rate = rate;
  }

  /** False when `ip` is over the limit. */
  allow(ip: string, now: number): boolean {
    if (this.#rate <= 0) return true;
    let bucket = this.#buckets.get(ip);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#rate, this.#rate, now);
      this.#buckets.set(ip, bucket);
    }
    return bucket.take(now);
  }

  /** Forgets the buckets that are full again: a fresh one would behave the same. */
  sweep(now: number): void {
    for (const [ip, bucket] of this.#buckets) {
      if (bucket.isFull(now)) this.#buckets.delete(ip);
    }
  }

  /** Addresses currently tracked. */
  get size(): number {
    return this.#buckets.size;
  }
}
