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

/** Bytes of text arena a room starts with once it talks; it doubles up to `maxBytes`. */
const INITIAL_ARENA_BYTES = 4_096;

/**
 * The last messages of one room, oldest evicted first, at most `maxCount` of them and at most
 * `maxBytes` together ({@link heldBytes}). Their seqs are consecutive: the room numbers every
 * message it relays and adds each one, so a seq is found by arithmetic.
 *
 * Adding allocates nothing once the room has talked a while: the texts are copied into one byte
 * arena per room (a ring, grown by doubling up to `maxBytes`), and each entry's numbers live in
 * plain arrays, so a busy relay makes no garbage and holds no object per message (measured: one
 * object and one buffer per message cost scenario (c) a quarter of its rate). A quiet room costs
 * nothing.
 *
 * @example
 * ```ts
 * const log = new ChatLog(256, 262_144);
 * log.add(1, Date.now(), sender, text);
 * log.get(1)?.text; // a copy of text
 * ```
 */
export class ChatLog {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #times: number[] = [];
  readonly #offsets: number[] = [];
  readonly #lengths: number[] = [];
  readonly #senders: (Uint8Array | undefined)[] = [];
  #arena = EMPTY_ARENA;
  /** Where the next text goes in the arena. */
  #write = 0;
  #head = 0;
  #count = 0;
  #bytes = 0;
  #latest = 0;

  /** An empty log; `maxCount` 0 keeps nothing. */
  constructor(maxCount: number, maxBytes: number) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
  }

  /** Messages held. */
  get size(): number {
    return this.#count;
  }

  /** Bytes held, as {@link heldBytes} counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The room's latest seq (0 before its first message), held or not. */
  get latestSeq(): number {
    return this.#latest;
  }

  /** The oldest seq held; `latestSeq + 1` when none is. */
  get oldestSeq(): number {
    return this.#latest - this.#count + 1;
  }

  /**
   * Adds the message `seq` (the room's next), evicting the oldest as the bounds require. `text`
   * is copied; `sender` is kept as it is (a member's own bytes, never changed).
   */
  add(seq: number, time: number, sender: Uint8Array, text: Uint8Array): void {
    this.#latest = seq;
    const size = CHAT_ENTRY_OVERHEAD_BYTES + sender.length + text.length;
    if (this.#maxCount === 0 || size > this.#maxBytes) {
      this.#clear();
      return;
    }
    while (this.#count >= this.#maxCount || this.#bytes + size > this.#maxBytes) this.#evict();
    const offset = this.#place(text.length);
    this.#arena.set(text, offset);
    const index = (this.#head + this.#count) % this.#maxCount;
    if (index === this.#times.length) {
      this.#times.push(time);
      this.#offsets.push(offset);
      this.#lengths.push(text.length);
      this.#senders.push(sender);
    } else {
      this.#times[index] = time;
      this.#offsets[index] = offset;
      this.#lengths[index] = text.length;
      this.#senders[index] = sender;
    }
    this.#count += 1;
    this.#bytes += size;
  }

  /** The message `seq`, if held, with a copy of its text (NACKs and history are rare). */
  get(seq: number): HeldChat | undefined {
    const offset = seq - this.oldestSeq;
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.#count) return undefined;
    const index = (this.#head + offset) % this.#maxCount;
    const start = this.#offsets[index];
    return {
      seq,
      time: this.#times[index],
      sender: this.#senders[index]!,
      text: this.#arena.slice(start, start + this.#lengths[index]),
    };
  }

  /** The last `count` messages held, oldest first. */
  last(count: number): HeldChat[] {
    const out: HeldChat[] = [];
    const from = Math.max(this.oldestSeq, this.#latest - count + 1);
    for (let seq = from; seq <= this.#latest; seq++) {
      const entry = this.get(seq);
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  /**
   * Where `length` bytes of text go: at the write position, or at 0 when they do not fit before
   * the arena's end. Live texts lie in arrival order from the head's onwards, around the ring, so
   * the ones in the way are always the oldest: they are evicted (the arena first grows, while it
   * may, instead).
   */
  #place(length: number): number {
    if (this.#count === 0) this.#write = 0;
    for (;;) {
      let at = this.#write;
      if (at + length > this.#arena.length) {
        if (this.#arena.length < this.#maxBytes) {
          this.#grow(length);
          continue;
        }
        // Wrapping: texts at or past the write position are older than those before it.
        while (this.#count > 0 && this.#offsets[this.#head] >= at) this.#evict();
        at = 0;
      }
      while (this.#count > 0 && this.#overlaps(this.#head, at, length)) this.#evict();
      this.#write = at + length;
      return at;
    }
  }

  #overlaps(index: number, start: number, length: number): boolean {
    const offset = this.#offsets[index];
    return offset < start + length && start < offset + this.#lengths[index];
  }

  /** A larger arena, holding the live texts compacted in order from 0. */
  #grow(needed: number): void {
    let size = Math.max(INITIAL_ARENA_BYTES, this.#arena.length * 2);
    while (size < this.#write + needed && size < this.#maxBytes) size *= 2;
    const arena = new Uint8Array(Math.min(size, this.#maxBytes));
    let write = 0;
    for (let i = 0; i < this.#count; i++) {
      const index = (this.#head + i) % this.#maxCount;
      const start = this.#offsets[index];
      const length = this.#lengths[index];
      arena.set(this.#arena.subarray(start, start + length), write);
      this.#offsets[index] = write;
      write += length;
    }
    this.#arena = arena;
    this.#write = write;
  }

  #evict(): void {
    const index = this.#head;
    this.#bytes -= CHAT_ENTRY_OVERHEAD_BYTES + this.#senders[index]!.length + this.#lengths[index];
    // Drop the sender's reference, so that a departed member's name can be collected.
    this.#senders[index] = undefined;
    this.#head = (this.#head + 1) % this.#maxCount;
    this.#count -= 1;
  }

  #clear(): void {
    this.#times.length = 0;
    this.#offsets.length = 0;
    this.#lengths.length = 0;
    this.#senders.length = 0;
    this.#arena = EMPTY_ARENA;
    this.#write = 0;
    this.#head = 0;
    this.#count = 0;
    this.#bytes = 0;
  }
}

const EMPTY_ARENA = new Uint8Array(0);
