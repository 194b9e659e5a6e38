/**
 * The connections that have not yet sent a whole request, oldest first, counted per IP: the ones
 * the front may evict when full (issue 10, #10). A connection that sent its request is working
 * for its client and is never evicted.
 *
 * @module
 */

/** One incomplete connection's entry. */
export interface IncompleteEntry {
  /** The peer's IP address. */
  readonly ip: string;
}

/** Incomplete connections in arrival order, with a count per IP. */
export class IncompleteConnections<T extends IncompleteEntry> {
  readonly #entries = new Set<T>();
  readonly #perIp = new Map<string, number>();

  /** Incomplete connections now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Incomplete connections from `ip` now. */
  countOf(ip: string): number {
    return this.#perIp.get(ip) ?? 0;
  }

  /** Adds a connection that has just arrived (the newest). */
  add(entry: T): void {
    this.#entries.add(entry);
    this.#perIp.set(entry.ip, this.countOf(entry.ip) + 1);
  }

  /** Removes `entry` (its request arrived, or it closed); removing it twice changes nothing. */
  delete(entry: T): void {
    if (!this.#entries.delete(entry)) return;
    const left = this.countOf(entry.ip) - 1;
    if (left === 0) this.#perIp.delete(entry.ip);
    else this.#perIp.set(entry.ip, left);
  }

  /** The oldest incomplete connection from `ip`, if any. */
  oldestFrom(ip: string): T | undefined {
    for (const entry of this.#entries) if (entry.ip === ip) return entry;
    return undefined;
  }

  /**
   * The oldest incomplete connection of the IP holding the most (ties: the IP whose oldest came
   * first), if any. Linear in the connections, which the connection cap bounds.
   */
  oldestOfBusiest(): T | undefined {
    let busiest: string | undefined;
    for (const [ip, count] of this.#perIp) {
      if (busiest === undefined || count > this.countOf(busiest)) busiest = ip;
    }
    return busiest === undefined ? undefined : this.oldestFrom(busiest);
  }
}
