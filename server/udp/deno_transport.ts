/**
 * The portable {@linkcode UdpTransport}: Deno's `DatagramConn`, one awaited op per datagram.
 *
 * @module
 */

import type { FaultLog } from "../faults.ts";
import type { Logger } from "../log.ts";
import { receiveDatagrams } from "./receive_loop.ts";
import { type SendDatagram, SendQueue } from "./send_queue.ts";
import type { PeerAddress, TransportEvents, UdpTransport } from "./transport.ts";

/** What a transport needs besides its socket. */
export interface TransportContext {
  /** Where received datagrams and failed deliveries go. */
  readonly events: TransportEvents;
  readonly log: Logger;
  /** Where a throwing event handler is reported; the loop goes on. */
  readonly faults: FaultLog;
  /** Most bytes the send queue holds (`--send-queue-bytes`); `DEFAULT_SEND_QUEUE_BYTES` if unset. */
  readonly sendQueueBytes?: number;
}

/** A {@linkcode UdpTransport} over Deno's own socket API. */
export class DenoUdpTransport implements UdpTransport {
  readonly #socket: Deno.DatagramConn;
  readonly #queue: SendQueue;
  readonly #loop: Promise<void>;
  #closing: Promise<void> | null = null;

  /**
   * Starts receiving on `socket`. `send` replaces `socket.send` (tests make deliveries fail with
   * it, as the system cannot be made to).
   */
  constructor(socket: Deno.DatagramConn, context: TransportContext, send?: SendDatagram) {
    const { events } = context;
    this.#socket = socket;
    this.#queue = new SendQueue(
      send ?? ((bytes, address) => socket.send(bytes, address)),
      (address) => events.failed(address.hostname, address.port),
      context.sendQueueBytes,
    );
    this.#loop = receiveDatagrams(socket, { ...context, extra: null });
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
      try {
        this.#socket.close();
      } catch {
        // Already closed.
      }
      await this.#loop;
      await this.#queue.close();
    })();
    return this.#closing;
  }
}
