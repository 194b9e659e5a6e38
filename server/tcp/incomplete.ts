/**
 * The connections that have not yet sent a whole request (or only may still announce a port),
 * oldest first, counted per source (an IPv4 address or an IPv6 /64): the ones the front may evict
 * when full (issue 10, #10). A connection whose request is being answered is working for its
 * client and is never evicted.
 *
 * @module
 */

/** One incomplete connection's entry. */
export interface IncompleteEntry {
  /** The peer's source: its IPv4 address or its IPv6 /64 (`sourceKey`). */
  readonly source: string;
}

/** Incomplete connections in arrival order, with a count per source. */
export class IncompleteConnections<T extends IncompleteEntry> {
  readonly #entries = new Set<T>();
  readonly #perSource = new Map<string, number>();

  /** Incomplete connections now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Incomplete connections from `source` now. */
  countOf(source: string): number {
    return this.#perSource.get(source) ?? 0;
  }

  /** Adds a connection that has just arrived (the newest). */
  add(entry: T): void {
    this.#entries.add(entry);
    this.#perSource.set(entry.source, this.countOf(entry.source) + 1);
  }

  /** Removes `entry` (its request arrived, or it closed); removing it twice changes nothing. */
  delete(entry: T): void {
    if (!this.#entries.delete(entry)) return;
    const left = this.countOf(entry.source) - 1;
    if (left === 0) this.#perSource.delete(entry.source);
    else this.#perSource.set(entry.source, left);
  }

  /** The oldest incomplete connection from `source`, if any. */
  oldestFrom(source: string): T | undefined {
    for (const entry of this.#entries) if (entry.source === source) return entry;
    return undefined;
  }

  /**
   * The oldest incomplete connection of the source holding the most (ties: the source whose oldest
   * came first), if any. Linear in the connections, which the connection cap bounds.
   */
  oldestOfBusiest(): T | undefined {
    let busiest: string | undefined;
    for (const [source, count] of this.#perSource) {
      if (busiest === undefined || count > this.countOf(busiest)) busiest = source;
    }
    return busiest === undefined ? undefined : this.oldestFrom(busiest);
  }
}
