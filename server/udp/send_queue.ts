/**
 * The portable path's send queue: a {@linkcode FairQueue} (bounded in bytes, fair between rooms)
 * and one loop that awaits each `DatagramConn.send`, so that a burst of relays never starves the
 * receive loop of the event loop's attention.
 *
 * @module
 */

import {
  DEFAULT_SEND_QUEUE_BYTES,
  FairQueue,
  type FlowKey,
  type TakenDatagram,
} from "./fair_queue.ts";
import { IdleSignal } from "./idle_signal.ts";
import type { PeerAddress } from "./transport.ts";

/** Sends one datagram; a rejection counts as a failed delivery. */
export type SendDatagram = (bytes: Uint8Array, address: PeerAddress) => Promise<unknown>;
/** Told of each datagram that could not be sent. */
export type FailureListener = (address: PeerAddress) => void;

/** What the taken datagram holds before the first take. */
const NO_ADDRESS: PeerAddress = { transport: "udp", hostname: "", port: 0 };

/**
 * Queued datagrams and the loop that sends them. The same `bytes` may be queued for many
 * recipients: they are never modified.
 */
export class SendQueue {
  readonly #send: SendDatagram;
  readonly #onFailure: FailureListener;
  readonly #queue: FairQueue;
  /** The datagram being sent: one object, rewritten by each take. */
  readonly #taken: TakenDatagram = { bytes: new Uint8Array(0), address: NO_ADDRESS, tag: 0 };
  #wake: (() => void) | null = null;
  readonly #idle = new IdleSignal();
  #closed = false;
  readonly #loop: Promise<void>;

  /**
   * Creates the queue, holding at most `maxBytes` (see {@linkcode FairQueue}), and starts its
   * sender loop.
   */
  constructor(
    send: SendDatagram,
    onFailure: FailureListener = () => {},
    maxBytes: number = DEFAULT_SEND_QUEUE_BYTES,
  ) {
    this.#send = send;
    this.#onFailure = onFailure;
    this.#queue = new FairQueue(maxBytes);
    this.#loop = this.#run();
  }

  /** Datagrams dropped because the queue was full. */
  get dropped(): number {
    return this.#queue.dropped;
  }

  /** Datagrams waiting to be sent. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Queues `bytes` for `address` in `flow` (the room; see {@linkcode FairQueue}); a failure to
   * send is reported with `address`.
   */
  push(bytes: Uint8Array, address: PeerAddress, flow?: FlowKey): void {
    if (this.#closed) return;
    if (this.#queue.push(bytes, address, 0, flow)) this.#wake?.();
  }

  /** Resolves once everything queued so far was sent, or after `timeoutMs`, whichever is first. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return;
    await this.#idle.wait(timeoutMs);
  }

  /** Stops the sender loop; what is still queued is dropped. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.clear();
    this.#wake?.();
    await this.#loop;
    this.#idle.notify();
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const delivery = this.#taken;
      if (!this.#queue.take(delivery)) {
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
}
