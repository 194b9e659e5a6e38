/**
 * A token bucket: the rate limiter behind flood control and the per-IP request limit.
 *
 * @module
 */

import { MS_PER_SECOND } from "../../util/mod.ts";

/**
 * Allows `rate` events per second on average and bursts of up to `burst`. Time comes from the
 * caller, so the bucket is pure and tests drive it with any clock.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket(5, 10, 0);
 * bucket.take(0); // true until 10 were taken at time 0
 * ```
 */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAt: number;

  /** Creates a full bucket; `rate` must be positive, `burst` is raised to at least 1. */
  constructor(rate: number, burst: number, now: number) {
    if (!(rate > 0)) {
      throw new RangeError(`Cannot create a token bucket: rate ${rate} is not positive`);
    }
    this.#ratePerMs = rate / MS_PER_SECOND;
    this.#burst = Math.max(1, burst);
    this.#tokens = this.#burst;
    this.#updatedAt = now;
  }

  /** Takes one token if there is one; false means the event is over the limit. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** True when the bucket has refilled completely, so forgetting it changes nothing. */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#burst;
  }

  #refill(now: number): void {
    // A clock that goes backwards must not drain the bucket.
    const elapsed = Math.max(0, now - this.#updatedAt);
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#ratePerMs);
    this.#updatedAt = Math.max(this.#updatedAt, now);
  }
}
