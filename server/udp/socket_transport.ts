/**
 * What every {@linkcode UdpTransport} over one socket shares: the socket, a send queue, a receive
 * loop, and one close in one order.
 *
 * @module
 */

import type { PeerAddress, UdpTransport } from "./transport.ts";

/** What both send queues (Deno's one op per datagram, the fast path's batches) offer. */
export interface OutboundQueue {
  /** Datagrams queued and not yet handed to the system. */
  readonly pending: number;
  /** Datagrams dropped because the queue was full. */
  readonly dropped: number;
  /** Queues `bytes` for `address`, in `flow`'s share of the queue. */
  push(bytes: Uint8Array, address: PeerAddress, flow?: object): void;
  /** Resolves once everything queued so far was sent, or after `timeoutMs`. */
  drain(timeoutMs: number): Promise<void>;
  /** Stops sending; what is still queued is dropped. */
  close(): Promise<void>;
}

/**
 * A {@linkcode UdpTransport} made of `socket`, the `queue` that sends on it and the `receiving`
 * loop reading it. Closing stops the queue first (the fast path sends on the socket's descriptor,
 * whose number the system reuses once closed), then closes the socket, waits for the loop to end,
 * and runs `release` (e.g. closing libc).
 */
export class SocketTransport implements UdpTransport {
  readonly #socket: Deno.DatagramConn;
  readonly #queue: OutboundQueue;
  readonly #receiving: Promise<void>;
  readonly #release: () => void;
  #closing: Promise<void> | null = null;

  /** Takes over `socket`, `queue` and the `receiving` loop already started on the socket. */
  constructor(
    socket: Deno.DatagramConn,
    queue: OutboundQueue,
    receiving: Promise<void>,
    release: () => void = () => {},
  ) {
    this.#socket = socket;
    this.#queue = queue;
    this.#receiving = receiving;
    this.#release = release;
  }

  /** @inheritdoc */
  get addr(): Deno.NetAddr {
    return this.#socket.addr as Deno.NetAddr;
  }

  /** @inheritdoc */
  get pending(): number {
    return this.#queue.pending;
  }

  /** @inheritdoc */
  get dropped(): number {
    return this.#queue.dropped;
  }

  /** @inheritdoc */
  send(bytes: Uint8Array, address: PeerAddress, flow?: object): void {
    this.#queue.push(bytes, address, flow);
  }

  /** @inheritdoc */
  drain(timeoutMs: number): Promise<void> {
    return this.#queue.drain(timeoutMs);
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#queue.close();
      try {
        this.#socket.close();
      } catch {
        // Already closed.
      }
      await this.#receiving;
      this.#release();
    })();
    return this.#closing;
  }
}
