/**
 * Per-source limits on password hashing: each IP may start so many hashes per second (creating
 * or joining a password room, right or wrong), and each room takes so many wrong passwords per
 * second from IPs that hashed recently. The global budget bounds the CPU; these keep one source
 * from taking all of it, and bound guessing against one room (issue 10, #2 and #3).
 *
 * A legit user whose room is under attack still gets in: an IP that has not hashed recently (its
 * bucket is full) is exempt from the room's limit. An attacker gets past the room's limit only
 * with fresh IP addresses, one guess per address until its bucket refills.
 *
 * @module
 */

import { TokenBucket } from "./state/mod.ts";

/**
 * Hashes one IP (or wrong passwords one room) may use at once before the rate applies: a few
 * members behind one NAT joining together.
 */
export const PASSWORD_BURST = 5;
/**
 * Most IPs, and most rooms, tracked. Past it, full buckets are forgotten, then the oldest: an
 * attacker with more addresses than this can reset a bucket, never grow the table.
 */
export const MAX_TRACKED = 10_000;

/** The rates, per second; 0 turns a limit off. */
export interface PasswordRates {
  /** Hashes each IP may start per second (`--password-rate`). */
  readonly hashesPerIp: number;
  /** Wrong passwords each room takes per second from IPs that hashed recently. */
  readonly wrongPerRoom: number;
}

/** Token buckets by key, bounded to {@link MAX_TRACKED}. */
class Buckets {
  readonly #rate: number;
  readonly #map = new Map<string, TokenBucket>();

  constructor(rate: number) {
    this.#rate = rate;
  }

  get size(): number {
    return this.#map.size;
  }

  /** True when `key` has no bucket, or a full one: it used nothing recently. */
  isFresh(key: string, now: number): boolean {
    return this.#map.get(key)?.isFull(now) ?? true;
  }

  /** Takes a token of `key`'s bucket; false when it is empty. True always when the rate is 0. */
  take(key: string, now: number): boolean {
    if (this.#rate <= 0) return true;
    let bucket = this.#map.get(key);
    if (bucket === undefined) {
      this.#makeRoom(now);
      bucket = new TokenBucket(this.#rate, PASSWORD_BURST, now);
      this.#map.set(key, bucket);
    }
    return bucket.take(now);
  }

  #makeRoom(now: number): void {
    if (this.#map.size < MAX_TRACKED) return;
    for (const [key, bucket] of this.#map) if (bucket.isFull(now)) this.#map.delete(key);
    // Still full: forget the oldest (maps iterate in insertion order).
    for (const key of this.#map.keys()) {
      if (this.#map.size < MAX_TRACKED) break;
      this.#map.delete(key);
    }
  }
}

/**
 * Decides whether a password may be hashed, and hears about wrong ones.
 *
 * @example
 * ```ts
 * const throttle = new PasswordThrottle({ hashesPerIp: 1, wrongPerRoom: 1 });
 * if (!throttle.mayHash("192.0.2.7", "lounge", now)) refuse(Status.TooManyRequests);
 * if (!(await verify())) throttle.wrong("lounge", now);
 * ```
 */
export class PasswordThrottle {
  readonly #perIp: Buckets;
  readonly #perRoom: Buckets;

  /** Limits at `rates`, bursts of {@link PASSWORD_BURST}. */
  constructor(rates: PasswordRates) {
    this.#perIp = new Buckets(rates.hashesPerIp);
    this.#perRoom = new Buckets(rates.wrongPerRoom);
  }

  /**
   * True when `ip` may hash a password now, for room `room` (null when creating one); takes the
   * IP's token. An IP that hashed recently also takes a token of the room's bucket: a repeated
   * attempt costs the room one token, and a wrong password (see {@link wrong}) one more.
   */
  mayHash(ip: string, room: string | null, now: number): boolean {
    const fresh = this.#perIp.isFresh(ip, now);
    if (!this.#perIp.take(ip, now)) return false;
    return fresh || room === null || this.#perRoom.take(room, now);
  }

  /** Counts a wrong password for `room`. */
  wrong(room: string, now: number): void {
    this.#perRoom.take(room, now);
  }

  /** IPs and rooms tracked now; each at most {@link MAX_TRACKED}. */
  get tracked(): { ips: number; rooms: number } {
    return { ips: this.#perIp.size, rooms: this.#perRoom.size };
  }
}
