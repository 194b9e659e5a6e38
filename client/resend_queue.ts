/**
 * The client's resend queue: outgoing chat messages, sent one at a time and each confirmed by the
 * server's echo (a kaiwa member gets its own message back, §4.2). Waiting for the echo before sending
 * the next message means a message dropped by the server's flood limit, or lost on the way, is
 * sent again instead of lost, whatever the server's limits are. Each message carries a client
 * message id (docs/protocol.md §3.2), counted from a random start; a resend reuses it, so the server
 * relays the message once however often it is sent. Pure: time (and the first id) come from the
 * caller.
 *
 * @module
 */

/** What the queue wants done now. */
export type ResendAction =
  | { type: "send"; text: string; id: number }
  | { type: "give-up"; text: string };

/** Timing of resends. */
export interface ResendConfig {
  /** How long to wait for an echo before sending a message again. */
  resendAfterMs: number;
  /** How many times a message is sent before the queue gives up on it. */
  maxAttempts: number;
}

/** The defaults: a resend after a second, up to five sends, rides out a flood limit of ~1/s. */
export const DEFAULT_RESEND_CONFIG: Readonly<ResendConfig> = {
  resendAfterMs: 1_000,
  maxAttempts: 5,
};

interface Pending {
  text: string;
  id: number;
  sentAt: number;
  attempts: number;
}

/**
 * A queue of chat messages with one in flight at a time.
 *
 * @example
 * ```ts
 * const queue = new ResendQueue();
 * queue.enqueue("hi");
 * queue.poll(0); // { type: "send", text: "hi", id: … }
 * queue.confirm("hi", 1); // true: the echo (seq 1) arrived
 * ```
 */
export class ResendQueue {
  readonly #config: ResendConfig;
  readonly #queue: Pending[] = [];
  #nextId: number;
  /** The seq of the echo that confirmed our last message (-1 before the first). */
  #confirmedSeq = -1;

  /** Creates an empty queue; message ids count from `firstId` (random by default). */
  constructor(config: ResendConfig = DEFAULT_RESEND_CONFIG, firstId = randomU32()) {
    this.#config = config;
    this.#nextId = firstId >>> 0;
  }

  /** The texts not yet confirmed, oldest first (what is undelivered when the session ends). */
  get texts(): string[] {
    return this.#queue.map((message) => message.text);
  }

  /** Messages not yet confirmed, the one in flight included. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Adds a message behind the others. */
  enqueue(text: string): void {
    this.#queue.push({ text, id: this.#nextId, sentAt: 0, attempts: 0 });
    this.#nextId = (this.#nextId + 1) >>> 0;
  }

  /**
   * Says what to send (or give up on) now, if anything; call it after every change and on a tick.
   * `heardAt` is when the server was last heard from: the queue gives up on a message only when
   * the server answered something after its last send (it is there, and did not confirm). While
   * the server is silent the message is only late, so it is sent again and waits: the session's
   * silence limit, and its rejoin, decide.
   */
  poll(now: number, heardAt = now): ResendAction | null {
    const head = this.#queue[0];
    if (head === undefined) return null;
    if (head.attempts > 0 && now - head.sentAt < this.#config.resendAfterMs) return null;
    if (head.attempts >= this.#config.maxAttempts) {
      if (heardAt > head.sentAt) {
        this.#queue.shift();
        return { type: "give-up", text: head.text };
      }
      head.sentAt = now;
      return { type: "send", text: head.text, id: head.id };
    }
    head.attempts++;
    head.sentAt = now;
    return { type: "send", text: head.text, id: head.id };
  }

  /**
   * Takes the server's echo of our message, the room's `seq` for it; true when it confirms the
   * message in flight. The echo may be one the client has seen before (the server answers a
   * resend with the original event, which a rejoin's history may have shown already), so the
   * seq, not novelty, tells it from the echo of an earlier message with the same text: one
   * message is in flight at a time, so each echo that confirms has a higher seq than the last.
   */
  confirm(text: string, seq: number): boolean {
    const head = this.#queue[0];
    if (head === undefined || head.attempts === 0 || head.text !== text) return false;
    if (seq <= this.#confirmedSeq) return false;
    this.#queue.shift();
    this.#confirmedSeq = seq;
    return true;
  }

  /**
   * After a rejoin: the message in flight is sent again at once, with its attempts counted anew.
   * `renewed` when the server took us as a new member: its room's seqs may have started again, so
   * an echo's seq no longer compares with the last one's.
   */
  restart(renewed = false): void {
    const head = this.#queue[0];
    if (head !== undefined) head.attempts = 0;
    if (renewed) this.#confirmedSeq = -1;
  }

  /**
   * The server said it dropped messages (its flood limit): wait a full resend delay from now
   * before trying again, and do not count that send as an attempt: a message is paced by the
   * flood limit however long that takes, and given up only when the server ignores it.
   */
  rateLimited(now: number): void {
    const head = this.#queue[0];
    if (head === undefined || head.attempts === 0) return;
    head.sentAt = now;
    if (head.attempts > 1) head.attempts--;
  }
}

function randomU32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
