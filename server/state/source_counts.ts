/**
 * How many members and rooms each source ({@link sourceKey}) holds, for `--max-members-per-ip`
 * and `--max-rooms-per-ip`. An entry lives only while its source holds something, so the table
 * is never larger than the number of members.
 *
 * @module
 */

/** What one source holds. */
interface Holdings {
  members: number;
  rooms: number;
}

/** Members and rooms by source key. */
export class SourceCounts {
  readonly #bySource = new Map<string, Holdings>();

  /** Members `source` holds. */
  members(source: string): number {
    return this.#bySource.get(source)?.members ?? 0;
  }

  /** Rooms `source` created and that are still open. */
  rooms(source: string): number {
    return this.#bySource.get(source)?.rooms ?? 0;
  }

  /** Sources holding anything. */
  get size(): number {
    return this.#bySource.size;
  }

  /** Adds `delta` members and `roomDelta` rooms to `source`; forgets it once it holds nothing. */
  add(source: string, delta: number, roomDelta = 0): void {
    let holdings = this.#bySource.get(source);
    if (holdings === undefined) {
      holdings = { members: 0, rooms: 0 };
      this.#bySource.set(source, holdings);
    }
    holdings.members += delta;
    holdings.rooms += roomDelta;
    if (holdings.members <= 0 && holdings.rooms <= 0) this.#bySource.delete(source);
  }

  /** Forgets everything. */
  clear(): void {
    this.#bySource.clear();
  }
}
