/**
 * A count per key that forgets a key whose count comes back to zero, so the table is never larger
 * than the number of things counted: connections per source, for instance.
 *
 * @module
 */

/** Counts by string key; absent keys count 0. */
export class CountsByKey {
  readonly #counts = new Map<string, number>();

  /** The count of `key` (0 when absent). */
  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /**
   * Adds `delta` (negative to take away) to `key`'s count; a count of 0 or less forgets the key.
   *
   * @example
   * ```ts
   * const open = new CountsByKey();
   * open.add("192.0.2.7", 1);
   * open.add("192.0.2.7", -1); // forgotten: open.get("192.0.2.7") === 0
   * ```
   */
  add(key: string, delta: number): void {
    const count = this.get(key) + delta;
    if (count <= 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
  }
}
