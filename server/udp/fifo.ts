/**
 * A first-in first-out list on one array and a head index: taking from the front is O(1) and,
 * once the array has grown, allocation-free (the hot path queues one entry per recipient).
 *
 * @module
 */

/** Consumed slots kept before the array is compacted. */
const COMPACT_THRESHOLD = 1_024;

/** A FIFO that can also give back its newest item (to drop from the tail). */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Items held. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head === this.#items.length) {
      // Empty: reuse the array from its start.
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_THRESHOLD && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns the newest item; undefined when empty. */
  pop(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items.pop();
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    }
    return item;
  }

  /** Empties the list. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
