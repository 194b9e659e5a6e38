/**
 * The portable path's send queue: a FIFO and one loop that awaits each `DatagramConn.send`, so
 * that a burst of relays never starves the receive loop of the event loop's attention.
 *
 * @module
 */

import { IdleSignal } from "./idle_signal.ts";
import type { PeerAddress } from "./transport.ts";

/** Sends one datagram; a rejection counts as a failed delivery. */
export type SendDatagram = (bytes: Uint8Array, address: PeerAddress) => Promise<unknown>;
/** Told of each datagram that could not be sent. */
export type FailureListener = (address: PeerAddress) => void;

/** Most datagrams queued at once; beyond that new ones are dropped rather than hoarding memory. */
export const MAX_QUEUED_DATAGRAMS = 65_536;
/** Consumed queue entries kept before the array is compacted. */
const COMPACT_THRESHOLD = 1_024;

interface Delivery {
  readonly bytes: Uint8Array;
  readonly address: PeerAddress;
}

/**
 * A FIFO of datagrams and the loop that sends them. The same `bytes` may be queued for many
 * recipients: they are never modified.
 */
export class SendQueue {
  readonly #send: SendDatagram;
  readonly #onFailure: FailureListener;
  #queue: (Delivery | undefined)[] = [];
  #head = 0;
  #wake: (() => void) | null = null;
  readonly #idle = new IdleSignal();
  #closed = false;
  #dropped = 0;
  readonly #loop: Promise<void>;

  /** Creates the queue and starts its sender loop. */
  constructor(send: SendDatagram, onFailure: FailureListener = () => {}) {
    this.#send = send;
    this.#onFailure = onFailure;
    this.#loop = this.#run();
  }

  /** Datagrams dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Datagrams waiting to be sent. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues `bytes` for `address`; a failure to send is reported with `address`. */
  push(bytes: Uint8Array, address: PeerAddress): void {
    if (this.#closed) return;
    if (this.pending >= MAX_QUEUED_DATAGRAMS) {
      this.#dropped += 1;
      return;
    }
    this.#queue.push({ bytes, address });
    this.#wake?.();
  }

  /** Resolves once everything queued so far was sent, or after `timeoutMs`, whichever is first. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return;
    await this.#idle.wait(timeoutMs);
  }

  /** Stops the sender loop; what is still queued is dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue = [];
    this.#head = 0;
    this.#wake?.();
    await this.#loop;
    this.#idle.notify();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const delivery = this.#take();
      if (delivery === undefined) {
        this.#idle.notify();
        await new Promise<void>((resolve) => this.#wake = resolve);
        this.#wake = null;
        continue;
      }
      try {
        await this.#send(delivery.bytes, delivery.address);
      } catch {
        if (!this.#closed) this.#onFailure(delivery.address);
      }
    }
  }

  #take(): Delivery | undefined {
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
      return undefined;
    }
    const delivery = this.#queue[this.#head];
    this.#queue[this.#head] = undefined;
    this.#head += 1;
    if (this.#head >= COMPACT_THRESHOLD && this.#head * 2 >= this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    return delivery;
  }
}
