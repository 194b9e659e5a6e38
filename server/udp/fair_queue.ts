/**
 * The datagrams waiting to be sent, shared by both send queues: bounded in bytes, and fair
 * between flows (rooms), so that one room's huge fan-out neither delays nor crowds out the
 * others' messages.
 *
 * - **Bound.** Each queued datagram counts its payload's length plus
 *   {@linkcode ENTRY_OVERHEAD_BYTES}, once per recipient: the bound is on the bytes waiting to go
 *   on the wire, so it bounds the delay a queued datagram can see. (A payload queued for many
 *   recipients is one buffer in memory, so memory stays below the bound.)
 * - **Fairness.** Each flow has its own FIFO; flows with datagrams waiting are served in turn,
 *   {@linkcode TURN_DATAGRAMS} datagrams per turn (round robin).
 * - **Drops.** When a datagram does not fit, the flow holding the most bytes loses: a flow already
 *   over its fair share (the bound divided among the flows waiting) has its new datagram dropped;
 *   a flow under it makes room by dropping the newest datagrams of the largest flow. Every drop
 *   is counted in {@linkcode FairQueue.dropped}.
 *
 * @module
 */

import { Fifo } from "./fifo.ts";
import type { PeerAddress } from "./transport.ts";

/** The default bound (`--send-queue-bytes`): about 0.3 s of a 1 Gbit/s link. */
export const DEFAULT_SEND_QUEUE_BYTES = 32 * 1024 * 1024;
/**
 * What each queued datagram counts besides its payload: its share of the arrays that hold it, and
 * about the 28 bytes of IPv4 and UDP header it will carry on the wire.
 */
export const ENTRY_OVERHEAD_BYTES = 32;
/**
 * Datagrams a flow sends per turn. More than one, so that the fast path stages a shared payload
 * once for several recipients; few enough that a small room waits at most a few turns.
 */
export const TURN_DATAGRAMS = 16;

/**
 * What separates one flow from another: any object, compared by identity (the server passes the
 * room). Sends that name none share one flow.
 */
export type FlowKey = object;

/** The flow of sends that name none. */
const UNNAMED_FLOW: FlowKey = {};

/** One flow's datagrams, as parallel lists so that queuing allocates no object per datagram. */
class Flow {
  readonly payloads = new Fifo<Uint8Array>();
  readonly addresses = new Fifo<PeerAddress>();
  readonly tags = new Fifo<number>();
  bytes = 0;

  constructor(readonly key: FlowKey) {}
}

/** A taken datagram, written into an object the caller owns (no allocation per take). */
export interface TakenDatagram {
  bytes: Uint8Array;
  address: PeerAddress;
  /** What the datagram was queued with, e.g. the fast path's packed address. */
  tag: number;
}

/** Datagrams by flow, served round robin, bounded in bytes. */
export class FairQueue {
  readonly #maxBytes: number;
  readonly #flows = new Map<FlowKey, Flow>();
  /** The flows waiting for a turn; each flow in `#flows` is here or is `#current`. */
  readonly #ring = new Fifo<Flow>();
  #current: Flow | null = null;
  #turnLeft = 0;
  #length = 0;
  #bytes = 0;
  #dropped = 0;
  /** The last flow pushed to: a fan-out pushes to one flow many times in a row. */
  #lastFlow: Flow | null = null;

  /**
   * Creates an empty queue holding at most `maxBytes` (payloads plus
   * {@linkcode ENTRY_OVERHEAD_BYTES} each).
   *
   * @throws {RangeError} when `maxBytes` is not a positive integer.
   */
  constructor(maxBytes: number = DEFAULT_SEND_QUEUE_BYTES) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`Cannot create a send queue of ${maxBytes} bytes`);
    }
    this.#maxBytes = maxBytes;
  }

  /** Datagrams queued. */
  get length(): number {
    return this.#length;
  }

  /** Bytes queued, as the bound counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Datagrams dropped because they did not fit, or to make room for a smaller flow's. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Queues `bytes` for `address` in `flow`'s FIFO. False when it was dropped; a push may also
   * drop the newest datagrams of the largest flow (see the module's documentation).
   */
  push(
    bytes: Uint8Array,
    address: PeerAddress,
    tag: number,
    flow: FlowKey = UNNAMED_FLOW,
  ): boolean {
    const cost = bytes.length + ENTRY_OVERHEAD_BYTES;
    let target = this.#lastFlow?.key === flow ? this.#lastFlow : this.#flows.get(flow);
    if (this.#bytes + cost > this.#maxBytes && !this.#makeRoom(target, cost)) {
      this.#dropped += 1;
      return false;
    }
    if (target === undefined) {
      target = new Flow(flow);
      this.#flows.set(flow, target);
      this.#ring.push(target);
    }
    this.#lastFlow = target;
    target.payloads.push(bytes);
    target.addresses.push(address);
    target.tags.push(tag);
    target.bytes += cost;
    this.#bytes += cost;
    this.#length += 1;
    return true;
  }

  /** Moves the next datagram into `into`; false when the queue is empty. */
  take(into: TakenDatagram): boolean {
    for (;;) {
      let flow = this.#current;
      if (flow === null || this.#turnLeft === 0) {
        if (flow !== null) this.#ring.push(flow);
        flow = this.#ring.shift() ?? null;
        if (flow === null) return false;
        this.#current = flow;
        this.#turnLeft = TURN_DATAGRAMS;
      }
      const bytes = flow.payloads.shift();
      if (bytes === undefined) {
        // Emptied by its last take or by drops: it leaves until it queues again.
        this.#forget(flow);
        continue;
      }
      into.bytes = bytes;
      into.address = flow.addresses.shift() as PeerAddress;
      into.tag = flow.tags.shift() as number;
      this.#turnLeft -= 1;
      this.#account(flow, bytes);
      if (flow.payloads.length === 0) this.#forget(flow);
      return true;
    }
  }

  /** Drops everything queued, uncounted (the socket is closing). */
  clear(): void {
    this.#flows.clear();
    this.#ring.clear();
    this.#current = null;
    this.#lastFlow = null;
    this.#length = 0;
    this.#bytes = 0;
  }

  /**
   * Frees room for `cost` bytes of `target`'s by dropping the newest datagrams of flows larger
   * than their fair share; false (nothing dropped) when `target` is itself at or over its share.
   */
  #makeRoom(target: Flow | undefined, cost: number): boolean {
    const flows = this.#flows.size + (target === undefined ? 1 : 0);
    const share = this.#maxBytes / flows;
    if ((target?.bytes ?? 0) + cost > share) return false;
    while (this.#bytes + cost > this.#maxBytes) {
      const largest = this.#largest();
      // The largest flow is over its share, as `target` is under it: it is not `target`.
      if (largest === null || largest === target) return false;
      const bytes = largest.payloads.pop() as Uint8Array;
      largest.addresses.pop();
      largest.tags.pop();
      this.#account(largest, bytes);
      this.#dropped += 1;
    }
    return true;
  }

  /** The flow holding the most bytes, or null when none holds any. */
  #largest(): Flow | null {
    let largest: Flow | null = null;
    for (const flow of this.#flows.values()) {
      if (flow.bytes > 0 && (largest === null || flow.bytes > largest.bytes)) largest = flow;
    }
    return largest;
  }

  /** Takes a datagram of `bytes` off the counts. */
  #account(flow: Flow, bytes: Uint8Array): void {
    const cost = bytes.length + ENTRY_OVERHEAD_BYTES;
    flow.bytes -= cost;
    this.#bytes -= cost;
    this.#length -= 1;
  }

  /** Removes an empty flow from the map and from its turn. */
  #forget(flow: Flow): void {
    if (this.#flows.get(flow.key) === flow) this.#flows.delete(flow.key);
    if (this.#current === flow) this.#current = null;
    if (this.#lastFlow === flow) this.#lastFlow = null;
  }
}
