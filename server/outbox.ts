/**
 * The outbound datagram queue. Receive loops only push; one sender loop awaits each send, so a
 * burst of relays never starves the receive loop of the event loop's attention.
 *
 * @module
 */

import type { Member, UdpAddress } from "./state/mod.ts";
import { IdleSignal } from "./idle_signal.ts";

/** Sends one datagram; a rejection counts as a failed delivery. */
export type SendDatagram = (bytes: Uint8Array, address: UdpAddress) => Promise<unknown>;
/** Told the outcome of each delivery to a member. */
export type DeliveryListener = (member: Member, delivered: boolean) => void;

/**
 * Where the state's datagrams go: the {@link Outbox} (one awaited `DatagramConn.send` each, the
 * portable path) or the batched `sendmmsg` queue of the Linux fast path.
 */
export interface DatagramQueue {
  /** Datagrams dropped because the queue was full. */
  readonly overflow: number;
  /** Datagrams waiting to be sent. */
  readonly pending: number;
  /** Queues `bytes` for `address`; `member` (if any) is told about the outcome. */
  push(bytes: Uint8Array, address: UdpAddress, member: Member | null): void;
  /** Resolves once everything queued so far was sent, or after `timeoutMs`, whichever is first. */
  drain(timeoutMs: number): Promise<void>;
  /** Stops sending; what is still queued is dropped. */
  close(): Promise<void>;
}

/** Most datagrams queued at once; beyond that new ones are dropped rather than hoarding memory. */
export const MAX_QUEUED_DATAGRAMS = 65_536;
/** Consumed queue entries kept before the array is compacted. */
const COMPACT_THRESHOLD = 1_024;

interface Delivery {
  readonly bytes: Uint8Array;
  readonly address: UdpAddress;
  readonly member: Member | null;
}

/**
 * A FIFO of datagrams and the loop that sends them. The same `bytes` may be queued for many
 * recipients: they are never modified.
 */
export class Outbox implements DatagramQueue {
  readonly #send: SendDatagram;
  readonly #onDelivery: DeliveryListener;
  #queue: (Delivery | undefined)[] = [];
  #head = 0;
  #wake: (() => void) | null = null;
  readonly #idle = new IdleSignal();
  #closed = false;
  #overflow = 0;
  readonly #loop: Promise<void>;

  /** Creates the outbox and starts its sender loop. */
  constructor(send: SendDatagram, onDelivery: DeliveryListener = () => {}) {
    this.#send = send;
    this.#onDelivery = onDelivery;
    this.#loop = this.#run();
  }

  /** Datagrams dropped because the queue was full. */
  get overflow(): number {
    return this.#overflow;
  }

  /** Datagrams waiting to be sent. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Queues `bytes` for `address`; `member` (if any) is told about the outcome. */
  push(bytes: Uint8Array, address: UdpAddress, member: Member | null): void {
    if (this.#closed) return;
    if (this.pending >= MAX_QUEUED_DATAGRAMS) {
      this.#overflow += 1;
      return;
    }
    this.#queue.push({ bytes, address, member });
    this.#wake?.();
  }

  /** Resolves once everything queued so far was sent, or after `timeoutMs`, whichever is first. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return;
    await this.#idle.wait(timeoutMs);
  }

  /** Stops the sender loop; what is still queued is dropped. Call after closing the socket. */
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
      let delivered = true;
      try {
        await this.#send(delivery.bytes, delivery.address);
      } catch {
        delivered = false;
      }
      if (delivery.member !== null && !this.#closed) this.#onDelivery(delivery.member, delivered);
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
