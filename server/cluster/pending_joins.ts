/**
 * The member node's joins of other nodes' rooms that wait for their owners' answers. The member
 * node alone decides when a join has waited long enough: an answer that comes after it gave up
 * is late, whatever the order in which the two met on the way, and a late admission is withdrawn
 * by the caller (the client was answered ServerError; nobody holds that member).
 *
 * @module
 */

import type { JoinReply } from "./rpc_messages.ts";

/** One join waiting: the id its answer comes back with, and the answer (null once given up). */
export interface PendingJoin {
  /** Unique in this run of the node: the last token of the answer's subject. */
  readonly id: number;
  /** The owner's answer; null when it did not parse, or the wait was given up first. */
  readonly reply: Promise<JoinReply | null>;
}

/** The waits of one run of a node, bounded by the joins under way (`--join-rate` × the wait). */
export class PendingJoins {
  #nextId = 0;
  readonly #waiting = new Map<number, (reply: JoinReply | null) => void>();

  /** How many joins wait. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Starts waiting for an answer. */
  open(): PendingJoin {
    const id = this.#nextId++;
    const reply = new Promise<JoinReply | null>((resolve) => this.#waiting.set(id, resolve));
    return { id, reply };
  }

  /**
   * The answer for `id` arrived: true when its join still waited (it gets `reply`), false when
   * it is late (given up, or answered already) — then an admission in it must be withdrawn.
   */
  settle(id: number, reply: JoinReply | null): boolean {
    const resolve = this.#waiting.get(id);
    if (resolve === undefined) return false;
    this.#waiting.delete(id);
    resolve(reply);
    return true;
  }

  /** Stops waiting for `id` (its time is up): its reply is null; an answer after this is late. */
  giveUp(id: number): void {
    this.settle(id, null);
  }

  /** Stops every wait (the node stops). */
  giveUpAll(): void {
    for (const id of [...this.#waiting.keys()]) this.giveUp(id);
  }
}
