/**
 * The receiver's replay window (docs/protocol.md §7.4): a sliding bitmap of the counters seen, as
 * RFC 6479 describes and WireGuard uses. 2,048 bits in 64 words of 32; the word the window is
 * moving into is cleared whole, so 2,016 counters below the highest one are always remembered.
 * Pure and allocation-free after construction.
 *
 * @module
 */

/** Bits in the bitmap (RFC 6479 §2: a power of two, a whole number of words). */
export const REPLAY_BITMAP_BITS = 2048;
const WORD_BITS = 32;
const WORDS = REPLAY_BITMAP_BITS / WORD_BITS;
/**
 * How far below the highest counter accepted a counter may be and still be accepted once:
 * the bitmap less one word (the word being cleared), 2,016.
 */
export const REPLAY_WINDOW_SIZE = REPLAY_BITMAP_BITS - WORD_BITS;

/** What the window says of a counter: accept it, or why not. */
export type ReplayVerdict = "ok" | "replay" | "too-old";

/**
 * Counters seen so far. {@linkcode check} before opening a datagram (a replay costs no AEAD),
 * {@linkcode accept} only once it authenticated (a forgery moves nothing).
 *
 * @example
 * ```ts
 * const window = new ReplayWindow();
 * window.check(5); // "ok"
 * window.accept(5);
 * window.check(5); // "replay"
 * ```
 */
export class ReplayWindow {
  readonly #bitmap = new Uint32Array(WORDS);
  /** Highest counter accepted; −1 before any. */
  #highest = -1;

  /** The highest counter accepted so far, or −1. */
  get highest(): number {
    return this.#highest;
  }

  /** Whether `counter` (a non-negative safe integer) may be accepted now. */
  check(counter: number): ReplayVerdict {
    if (counter > this.#highest) return "ok";
    if (counter + REPLAY_WINDOW_SIZE <= this.#highest) return "too-old";
    const word = Math.floor(counter / WORD_BITS) % WORDS;
    return (this.#bitmap[word] & (1 << (counter % WORD_BITS))) !== 0 ? "replay" : "ok";
  }

  /** Marks `counter` seen, sliding the window when it is the highest; call after `check`. */
  accept(counter: number): void {
    if (counter > this.#highest) {
      const current = Math.floor(this.#highest / WORD_BITS);
      const next = Math.floor(counter / WORD_BITS);
      const cleared = Math.min(next - current, WORDS);
      for (let i = 1; i <= cleared; i++) this.#bitmap[(current + i) % WORDS] = 0;
      this.#highest = counter;
    }
    const word = Math.floor(counter / WORD_BITS) % WORDS;
    this.#bitmap[word] |= 1 << (counter % WORD_BITS);
  }
}
