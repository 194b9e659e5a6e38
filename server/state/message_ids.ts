/**
 * The message ids a member's kaiwa client gave its recent messages (ChatWithId,
 * docs/protocol.md §3.2), each with the seq and time it was relayed with: a resend of one of them
 * is confirmed, never relayed again.
 *
 * @module
 */

/**
 * Ids remembered per member: 64. A client resends a message only until it is confirmed, a second
 * or a few after sending it; even at a burst's pace (the default flood limit relays at most
 * 10 + 5/s) 64 relayed messages take more than ten seconds, longer than any resend schedule, and
 * kaiwa's client keeps far fewer unconfirmed. As many as a NACK may ask for (MAX_NACK_RANGE).
 * About 64 × 40 bytes a member: bounded per source by `--max-members-per-ip`.
 */
export const MESSAGE_ID_MEMORY = 64;

/** What a relayed id was given. */
export interface RelayedId {
  /** The room seq of its Chat event. */
  readonly seq: number;
  /** The server time its Chat event carried. */
  readonly time: number;
}

/**
 * A member's last {@link MESSAGE_ID_MEMORY} relayed ids, oldest forgotten first (a Map keeps
 * insertion order).
 */
export class MessageIds {
  readonly #ids = new Map<number, RelayedId>();

  /** Number of ids remembered. */
  get size(): number {
    return this.#ids.size;
  }

  /** What `id` was relayed as, if it was recently. */
  get(id: number): RelayedId | undefined {
    return this.#ids.get(id);
  }

  /** Remembers that `id` was relayed as `seq` at `time`, forgetting the oldest beyond the bound. */
  remember(id: number, seq: number, time: number): void {
    this.#ids.set(id, { seq, time });
    if (this.#ids.size > MESSAGE_ID_MEMORY) {
      const oldest = this.#ids.keys().next().value;
      if (oldest !== undefined) this.#ids.delete(oldest);
    }
  }
}
