/**
 * A room's recent chat messages, in a ring buffer bounded by count and by bytes: what answers a
 * NACK and makes the history a kaiwa member gets on joining (docs/protocol.md §3.2).
 *
 * @module
 */

/**
 * Bytes an entry costs besides its text and sender name: the entry object, its slot, its numbers.
 * Counted so that a room of one-byte messages is bounded by `--room-buffer-bytes` too.
 */
export const CHAT_ENTRY_OVERHEAD_BYTES = 64;

/** One chat message as it was relayed: enough to encode its event again, identically. */
export interface HeldChat {
  /** Its per-room sequence number. */
  readonly seq: number;
  /** Server time it carried, ms since the epoch. */
  readonly time: number;
  /** The sender's name, UTF-8 (the member's own bytes, never copied). */
  readonly sender: Uint8Array;
  /** The text, UTF-8 (a copy: the relay's is a view of a reused receive buffer). */
  readonly text: Uint8Array;
}

/** What an entry counts against the byte bound. */
export function heldBytes(entry: HeldChat): number {
  return CHAT_ENTRY_OVERHEAD_BYTES + entry.sender.length + entry.text.length;
}

/**
 * The last messages of one room, oldest evicted first, at most `maxCount` of them and at most
 * `maxBytes` together ({@link heldBytes}). Their seqs are consecutive: the room numbers every
 * message it relays and adds each one, so a seq is found by arithmetic. The slots grow with use,
 * so a quiet room costs nothing.
 *
 * @example
 * ```ts
 * const log = new ChatLog(256, 262_144);
 * log.add(1, Date.now(), sender, text);
 * log.get(1); // the entry
 * ```
 */
export class ChatLog {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #slots: HeldChat[] = [];
  /** Index of the oldest entry in {@link #slots}. */
  #head = 0;
  #count = 0;
  #bytes = 0;
  /** Seq of the latest message added, 0 before the first. */
  #latest = 0;

  /** Creates an empty log; a `maxCount` of 0 holds nothing (every seq is then gone). */
  constructor(maxCount: number, maxBytes: number) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
  }

  /** Number of messages held. */
  get size(): number {
    return this.#count;
  }

  /** Bytes held, as {@link heldBytes} counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Seq of the latest message added (held or not), 0 before the first. */
  get latestSeq(): number {
    return this.#latest;
  }

  /** Seq of the oldest message held; `latestSeq + 1` when none is. */
  get oldestSeq(): number {
    return this.#latest - this.#count + 1;
  }

  /**
   * Adds the room's next message (its seq one above the last), evicting the oldest until both
   * bounds hold; `text` is copied (it may be a view of a reused buffer), only when it is kept. A
   * message larger than the byte bound alone empties the log and is not kept.
   */
  add(seq: number, time: number, sender: Uint8Array, text: Uint8Array): void {
    this.#latest = seq;
    const size = CHAT_ENTRY_OVERHEAD_BYTES + sender.length + text.length;
    if (this.#maxCount === 0 || size > this.#maxBytes) {
      this.#clear();
      return;
    }
    while (this.#count >= this.#maxCount || this.#bytes + size > this.#maxBytes) this.#evict();
    const entry: HeldChat = { seq, time, sender, text: text.slice() };
    const index = (this.#head + this.#count) % this.#maxCount;
    if (index === this.#slots.length) this.#slots.push(entry);
    else this.#slots[index] = entry;
    this.#count += 1;
    this.#bytes += size;
  }

  /** The message with sequence number `seq`, if it is still held. */
  get(seq: number): HeldChat | undefined {
    const offset = seq - this.oldestSeq;
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.#count) return undefined;
    return this.#slots[(this.#head + offset) % this.#maxCount];
  }

  /** The last `count` messages held (fewer when fewer are), oldest first. */
  last(count: number): HeldChat[] {
    const out: HeldChat[] = [];
    const from = Math.max(this.oldestSeq, this.#latest - count + 1);
    for (let seq = from; seq <= this.#latest; seq++) {
      const entry = this.get(seq);
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  #evict(): void {
    const entry = this.#slots[this.#head];
    this.#bytes -= heldBytes(entry);
    // The slot keeps its reference until overwritten; drop it so its text can be collected.
    this.#slots[this.#head] = EMPTY;
    this.#head = (this.#head + 1) % this.#maxCount;
    this.#count -= 1;
  }

  #clear(): void {
    this.#slots.length = 0;
    this.#head = 0;
    this.#count = 0;
    this.#bytes = 0;
  }
}

/** What an evicted slot holds until it is reused. */
const EMPTY: HeldChat = { seq: 0, time: 0, sender: new Uint8Array(0), text: new Uint8Array(0) };
